"""The realtime parts' settings that the client's signature shows, defined once.

:class:`StreamSettings` (the stream's timing) and :data:`DEFAULT_MAX_PENDING` (the
dispatcher's bound) live here rather than next to the stream and the dispatcher, so
the client and its options take their defaults without loading the realtime modules,
which a program that only calls REST methods never needs (BENCHMARKS.md, item 6).
"""

from dataclasses import dataclass
from typing import Optional

__all__ = ["CLOSE_TIMEOUT", "DEFAULT_MAX_PENDING", "StreamSettings"]

CLOSE_TIMEOUT = 2.0
"""Seconds a client's ``close()`` waits for its threads to end, in all."""

DEFAULT_MAX_PENDING = 10_000
"""Messages waiting for handlers before the oldest is dropped."""


@dataclass(frozen=True)
class StreamSettings:
    """Timing of the stream (see :mod:`ailoop._stream`). ``ping_interval=None`` turns
    client pings and the liveness check off.
    """

    reconnect_attempts: int = 5
    reconnect_delay: float = 1.0
    ping_interval: Optional[float] = 20.0
    ping_timeout: float = 20.0
    connect_timeout: float = 30.0

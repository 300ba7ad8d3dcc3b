"""Retry and reconnect delays: capped exponential backoff with full jitter.

One generator serves every loop that waits before trying again (GET retries, the stream's
reconnects, the log handler's sends); each caller sleeps on an ``Event`` so that
``close()`` cuts a wait short, which backoff's own decorators (``time.sleep``) cannot.
"""

from typing import Iterator


def jittered_delays(factor: float, max_value: float) -> Iterator[float]:
    """Endless delays, the n-th uniform in ``[0, min(factor * 2**n, max_value)]``."""
    import backoff  # noqa: PLC0415 - it imports asyncio (~10 ms): loaded at the first retry

    raw = backoff.expo(base=2, factor=factor, max_value=max_value)
    next(raw)  # backoff's generators are primed with one send(None)
    for value in raw:
        yield backoff.full_jitter(value)

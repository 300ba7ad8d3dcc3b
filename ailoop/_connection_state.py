"""The state of the client's realtime stream, as reported to connection handlers.

A connection handler (``client.add_connection_handler(handler)``) is called on the
dispatcher thread with one :class:`ConnectionEvent` per change, in this order:

* ``CONNECTED`` -- the viewer connection is open, the hello frame is sent and, after a
  reconnect, what was missed meanwhile has been caught up from the channel history (and
  handed to message handlers before this event).
* ``DISCONNECTED`` -- the connection ended: it dropped (``reason`` says why and a
  ``RECONNECTING`` event follows), or ``disconnect_websocket()`` / ``close()`` stopped it.
* ``RECONNECTING`` -- the next connection attempt starts after ``delay`` seconds;
  ``attempt`` counts the consecutive failed attempts before it (0 right after a drop).
* ``GAVE_UP`` -- the stream stopped trying: ``reconnect_attempts`` consecutive attempts
  failed, the very first connection failed, or the server refused the credentials
  (``error`` is then an :class:`ailoop.AuthenticationError`). Waits go on by polling the
  REST API; the next prompt, wait or ``connect_websocket()`` starts a fresh stream.
"""

import enum
from typing import NamedTuple, Optional

from ailoop._public import present_as

__all__ = ["ConnectionEvent", "ConnectionState"]


class ConnectionState(str, enum.Enum):
    """The states of the realtime stream (a ``str`` enum: ``state == "connected"`` holds)."""

    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    GAVE_UP = "gave_up"

    def __str__(self) -> str:
        return self.value


class ConnectionEvent(NamedTuple):
    """One change of the realtime stream's state, passed to connection handlers (an
    immutable record).

    ``delay`` is the wait in seconds before the next attempt (``RECONNECTING`` only);
    ``attempt`` the number of consecutive failed attempts so far; ``reason`` a short
    human-readable explanation; ``error`` the exception behind a ``DISCONNECTED`` or
    ``GAVE_UP`` event, when there is one.
    """

    state: ConnectionState
    delay: Optional[float] = None
    attempt: int = 0
    reason: Optional[str] = None
    error: Optional[BaseException] = None

    def __str__(self) -> str:
        parts = [self.state.value]
        if self.delay is not None:
            parts.append(f"in {self.delay:.2f} s")
        if self.attempt:
            parts.append(f"after {self.attempt} failed attempt(s)")
        if self.reason:
            parts.append(self.reason)
        return ": ".join([parts[0], ", ".join(parts[1:])]) if len(parts) > 1 else parts[0]


present_as("ailoop", globals(), __all__)

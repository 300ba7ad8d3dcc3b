"""The order of a state change on the network thread: the hooks hear of it before a caller
blocked in ``wait_settled`` wakes, so that caller finds the engine's view of the
connection (its state and epoch) already up to date.

Before, ``CONNECTED`` woke the caller first: a prompt sent at once then saw the engine
still ``DISCONNECTED``, took no epoch, and its wait read the channel history that the
stream had made unnecessary.
"""

from __future__ import annotations

import threading

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._stream import StreamSettings, ViewerStream
from tests.realtime.socket_pair import PairFactory

WAIT = 10.0  # generous: the machine is shared


class _HeldHooks:
    """Hooks whose report of ``CONNECTED`` is held until the test releases it."""

    def __init__(self) -> None:
        self.told = threading.Event()
        self.release = threading.Event()

    def before_hello(self) -> None:
        pass

    def after_hello(self) -> None:
        pass

    def on_frame(self, data: bytes) -> bool:
        return False

    def flush(self) -> None:
        pass

    def on_state(self, event: ConnectionEvent) -> None:
        if event.state is ConnectionState.CONNECTED:
            self.told.set()
            self.release.wait(WAIT)


def test_wait_settled_reports_connected_only_after_the_hooks_heard_of_it() -> None:
    factory = PairFactory()
    hooks = _HeldHooks()
    settings = StreamSettings(reconnect_attempts=0, ping_interval=None)
    stream = ViewerStream(factory, hooks, settings, thread_name="ailoop-stream-test")
    stream.start()
    try:
        assert hooks.told.wait(WAIT), "the stream never connected"
        # The hooks are still being told: nobody may see the stream connected yet.
        assert stream.wait_settled(0.0) == (None, None)
        assert stream.state is None
        hooks.release.set()
        state, error = stream.wait_settled(WAIT)
        assert state is ConnectionState.CONNECTED, error
    finally:
        hooks.release.set()
        assert stream.stop(WAIT)
        factory.close()

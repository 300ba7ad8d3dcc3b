"""The network thread's pings and liveness check, on a socket pair it reads frames from.

The stream sets its socket's read timeout only when a read started now would wake too
far from the next ping or liveness check (a system call per frame otherwise), and looks
after pings only before a read that may wait. These tests pin what that must not change:
a busy link still sends its pings about every ``ping_interval``, a link that falls
silent is still declared dead, and frames all arrive, in order, with a bad one skipped.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any, List, Optional, Tuple

import websocket
from websocket._abnf import frame_buffer

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._stream import StreamSettings, ViewerStream
from tests import polling
from tests.realtime.socket_pair import PairFactory

WAIT = 10.0  # generous: the machine is shared
INTERVAL = 0.2


class _Hooks:
    """Records frames and connection events."""

    def __init__(self) -> None:
        self.frames: List[bytes] = []
        self.events: List[ConnectionEvent] = []
        self.flushed: List[int] = []  # how many frames had arrived at each flush

    def before_hello(self) -> None:
        pass

    def after_hello(self) -> None:
        pass

    def on_frame(self, data: bytes) -> bool:
        if data == b"raise":
            raise ValueError("a hook failure must not end the stream")
        self.frames.append(data)
        return data.endswith(b"0")  # something to hand on after every tenth frame

    def flush(self) -> None:
        self.flushed.append(len(self.frames))

    def on_state(self, event: ConnectionEvent) -> None:
        self.events.append(event)

    def states(self) -> List[ConnectionState]:
        return [event.state for event in self.events]


class _Peer:
    """The server side: records the client's control frames, answers pings unless silent."""

    def __init__(self, sock: socket.socket, answer_pings: bool) -> None:
        self._sock = sock
        self._answer = answer_pings
        self._lock = threading.Lock()
        self.pings: List[float] = []
        self._thread = threading.Thread(target=self._read, name="test-peer", daemon=True)
        self._thread.start()

    def send_text(self, text: str) -> None:
        frame = websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT)
        frame.mask_value = 0
        frame.mask = 0
        with self._lock:
            self._sock.sendall(frame.format())

    def _read(self) -> None:
        reader = frame_buffer(self._sock.recv, True)
        try:
            while True:
                frame = reader.recv_frame()
                if frame.opcode == websocket.ABNF.OPCODE_PING:
                    self.pings.append(time.monotonic())
                    if self._answer:
                        pong = websocket.ABNF.create_frame(frame.data, websocket.ABNF.OPCODE_PONG)
                        pong.mask_value = 0
                        pong.mask = 0
                        with self._lock:
                            self._sock.sendall(pong.format())
        except (OSError, websocket.WebSocketException, ValueError):
            return

    def join(self) -> None:
        self._thread.join(WAIT)


def _start(answer_pings: bool, ping_timeout: float) -> Tuple[ViewerStream, _Hooks, _Peer, Any]:
    factory = PairFactory()
    hooks = _Hooks()
    settings = StreamSettings(
        reconnect_attempts=0, ping_interval=INTERVAL, ping_timeout=ping_timeout
    )
    stream = ViewerStream(factory, hooks, settings, thread_name="ailoop-stream-test")
    peer = _Peer(factory.server, answer_pings)
    stream.start()
    state, error = stream.wait_settled(WAIT)
    assert state is ConnectionState.CONNECTED, error
    return stream, hooks, peer, factory


def test_a_busy_link_still_pings_about_every_interval() -> None:
    """Frames every few milliseconds for 2 s: pings keep going out, the link stays up,
    and every frame arrives once, in order (one whose hook raises is skipped)."""
    stream, hooks, peer, factory = _start(answer_pings=True, ping_timeout=5.0)
    try:
        sent: List[bytes] = []
        began = time.monotonic()
        index = 0
        while time.monotonic() - began < 2.0:
            text = f"frame {index}"
            peer.send_text(text)
            sent.append(text.encode())
            if index == 7:
                peer.send_text("raise")
            index += 1
            polling.pause(0.003)  # a steady trickle of frames
        polling.wait_until(lambda: len(hooks.frames) >= len(sent), "every frame", WAIT)
        assert hooks.frames == sent
        assert stream.state is ConnectionState.CONNECTED
        pings = [moment for moment in peer.pings if moment <= began + 2.0]
        assert len(pings) >= 4, f"{len(pings)} pings in 2 s at ping_interval={INTERVAL}"
        gaps = [later - earlier for earlier, later in zip(pings, pings[1:])]
        assert max(gaps) <= INTERVAL * 5, f"pings {gaps} s apart"
    finally:
        assert stream.stop(WAIT)
        factory.close()
        peer.join()
    assert hooks.states()[-1] is ConnectionState.DISCONNECTED


def test_a_link_that_falls_silent_after_traffic_is_declared_dead() -> None:
    """Traffic first (the read timeout is then left alone), then nothing: no pong comes,
    so the link is dead after about ``ping_interval + ping_timeout``."""
    stream, hooks, peer, factory = _start(answer_pings=False, ping_timeout=0.3)
    try:
        for index in range(200):
            peer.send_text(f"frame {index}")
        polling.wait_until(lambda: len(hooks.frames) == 200, "every frame", WAIT)
        silent_since = time.monotonic()
        polling.wait_until(lambda: ConnectionState.GAVE_UP in hooks.states(), "the dead link", WAIT)
        noticed = time.monotonic() - silent_since
        assert noticed <= (INTERVAL + 0.3) * 5 + 1.0, f"dead link noticed after {noticed:.2f} s"
        dropped: Optional[ConnectionEvent] = next(
            event for event in hooks.events if event.state is ConnectionState.DISCONNECTED
        )
        assert dropped is not None and "dead" in (dropped.reason or "")
    finally:
        stream.stop(WAIT)
        factory.close()
        peer.join()


def test_the_hooks_are_flushed_only_after_a_frame_left_something() -> None:
    """Frames one at a time: a flush follows each frame whose ``on_frame`` returned True
    (before the next read may wait), and no other frame causes one."""
    stream, hooks, peer, factory = _start(answer_pings=True, ping_timeout=5.0)
    try:
        for index in range(1, 31):
            peer.send_text(f"frame {index}")
            polling.wait_until(lambda n=index: len(hooks.frames) == n, "the frame", WAIT)
            if index % 10 == 0:
                polling.wait_until(lambda n=index: hooks.flushed[-1:] == [n], "its flush", WAIT)
        assert hooks.flushed == [10, 20, 30]
    finally:
        assert stream.stop(WAIT)
        factory.close()
        peer.join()

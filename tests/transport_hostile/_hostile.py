"""Small hostile servers on 127.0.0.1, written for these tests: raw sockets, no framework.

:class:`RawServer` runs ``handler(conn)`` for each connection it accepts (trickling
bodies, stalling, redirecting, sending garbage). :class:`Front` stands in front of the
stand-in server and forwards every connection to it, except the WebSocket upgrades whose
index (0 = the first, normally the realtime stream's viewer connection; 1 = the first
prompt's agent connection) has a handler of its own. Every thread is named and joined by
``stop()``, which also closes every connection, so a handler blocked in ``recv`` or pacing
itself on :attr:`RawServer.stopping` ends at once.
"""

import base64
import contextlib
import hashlib
import json
import select
import socket
import struct
import threading
from typing import Callable, Dict, List, Optional, Tuple

import websocket

Handler = Callable[[socket.socket, bytes], None]
"""``handler(conn, head)``: ``head`` is the request head already read from ``conn``."""

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class RawServer:
    """Accept loop on 127.0.0.1; ``handler(conn, head)`` per connection on its own thread."""

    def __init__(self, handler: Handler, name: str = "hostile") -> None:
        self._handler = handler
        self._name = name
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.stopping = threading.Event()
        self.heads: List[bytes] = []
        self.accepted = 0
        self.open_now = 0
        self.peak_open = 0
        self._lock = threading.Lock()
        self._conns: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, name=f"{name}-accept", daemon=True)
        self._thread.start()

    def __enter__(self) -> "RawServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if self.stopping.is_set():
                conn.close()
                return
            with self._lock:
                self.accepted += 1
                self.open_now += 1
                self.peak_open = max(self.peak_open, self.open_now)
                self._conns.append(conn)
                worker = threading.Thread(
                    target=self._serve,
                    args=(conn,),
                    name=f"{self._name}-{self.accepted}",
                    daemon=True,
                )
                self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(30.0)
            head = read_head(conn)
            if head is not None:
                with self._lock:
                    self.heads.append(head)
                self._handler(conn, head)
        except OSError:
            pass
        finally:
            with self._lock:
                self.open_now -= 1
            conn.close()

    def stop(self) -> None:
        """Close the listener and every connection; join every thread. Idempotent."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            pass  # wakes the accept loop
        self._thread.join(5)
        self._listener.close()
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)


class Front(RawServer):
    """Forwards to ``target_port`` (the stand-in) except the WebSocket upgrades numbered in
    ``upgrades`` (0, 1, ...), which their handler serves instead."""

    def __init__(self, target_port: int, upgrades: Dict[int, Handler]) -> None:
        self._target_port = target_port
        self._upgrade_handlers = upgrades
        self._upgrade_count = 0
        self._count_lock = threading.Lock()
        super().__init__(self._route, name="front")

    def _route(self, conn: socket.socket, head: bytes) -> None:
        handler: Optional[Handler] = None
        if is_upgrade(head):
            with self._count_lock:
                index = self._upgrade_count
                self._upgrade_count += 1
            handler = self._upgrade_handlers.get(index)
        if handler is not None:
            handler(conn, head)
            return
        with socket.create_connection(("127.0.0.1", self._target_port), timeout=10) as upstream:
            upstream.sendall(head)
            _pipe(conn, upstream, self.stopping)


def _pipe(a: socket.socket, b: socket.socket, stopping: threading.Event) -> None:
    while not stopping.is_set():
        readable, _, _ = select.select([a, b], [], [], 0.2)
        for sock in readable:
            data = sock.recv(65536)
            if not data:
                return
            (b if sock is a else a).sendall(data)


def read_head(conn: socket.socket) -> Optional[bytes]:
    """The request head (through the blank line), or None when the peer closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return data


def header(head: bytes, name: str) -> Optional[str]:
    """The value of header ``name`` in a request head (case-insensitive), or None."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


def is_upgrade(head: bytes) -> bool:
    return (header(head, "Upgrade") or "").lower() == "websocket"


def accept_websocket(conn: socket.socket, head: bytes) -> None:
    """Answer the upgrade in ``head`` with a valid 101."""
    key = (header(head, "Sec-WebSocket-Key") or "").encode()
    accept = base64.b64encode(hashlib.sha1(key + _GUID).digest()).decode()
    conn.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )


def frame_header(length: int, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A server frame header (unmasked) announcing ``length`` payload bytes."""
    first = (0x80 if fin else 0) | opcode
    if length < 126:
        return struct.pack("!BB", first, length)
    if length < 65536:
        return struct.pack("!BBH", first, 126, length)
    return struct.pack("!BBQ", first, 127, length)


def frame(payload: bytes, opcode: int = 0x1, fin: bool = True) -> bytes:
    """A whole server frame."""
    return frame_header(len(payload), opcode, fin) + payload


def read_client_frame(conn: socket.socket) -> Tuple[int, bytes]:
    """One masked client frame: ``(opcode, payload)``."""
    first, second = _exactly(conn, 2)
    length = second & 0x7F
    if length == 126:
        length = struct.unpack("!H", _exactly(conn, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", _exactly(conn, 8))[0]
    mask = _exactly(conn, 4) if second & 0x80 else b"\0\0\0\0"
    payload = bytes(byte ^ mask[i % 4] for i, byte in enumerate(_exactly(conn, length)))
    return first & 0x0F, payload


def _exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the client closed the connection")
        data += chunk
    return data


def relay_to(stand_in_ws_url: str, prompt: bytes) -> None:
    """Send ``prompt`` to the stand-in as an agent and wait for its echo, so that the
    client's viewer connection sees its broadcast as it would from a real server."""
    ws = websocket.create_connection(stand_in_ws_url, timeout=10)
    try:
        ws.send(prompt.decode("utf-8"))
        wanted = json.loads(prompt)["id"]
        while json.loads(ws.recv()).get("id") != wanted:
            pass
    finally:
        ws.close()


def respond(conn: socket.socket, status: str, body: bytes = b"", *headers: str) -> None:
    """Send a whole HTTP/1.1 answer and close."""
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", "Connection: close"]
    lines.extend(headers)
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)

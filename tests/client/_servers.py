"""Tiny loopback servers for what the stand-in cannot be: a proxy's HTML error page, a
forward proxy (absolute-URI requests and CONNECT tunnels), a port that speaks no HTTP.

Each runs named threads that ``stop()`` joins; nothing here talks to anything but
127.0.0.1.
"""

import http.server
import select
import socket
import threading
from typing import Callable, List, Tuple
from urllib.parse import urlsplit


class _Acceptor:
    """Accept loop on 127.0.0.1 running ``handle(conn)`` on a named thread per connection."""

    def __init__(self, name: str, handle: Callable[[socket.socket], None], port: int = 0) -> None:
        self._name = name
        self._handle = handle
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(16)
        self._listener.settimeout(0.1)
        self.port = self._listener.getsockname()[1]
        self.stopping = threading.Event()
        self._threads: List[threading.Thread] = []
        self._thread = threading.Thread(target=self._accept, name=f"{name}-accept", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        count = 0
        while not self.stopping.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            count += 1
            worker = threading.Thread(
                target=self._serve, args=(conn,), name=f"{self._name}-{count}", daemon=True
            )
            self._threads.append(worker)
            worker.start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._handle(conn)
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        self._thread.join(5)
        self._listener.close()
        for worker in self._threads:
            worker.join(5)


class NoHttpServer:
    """Reads a request and closes without answering, like a WebSocket-only port of a
    two-port ailoop server (tokio-tungstenite failing the handshake)."""

    def __init__(self, port: int = 0) -> None:
        self.requests = 0
        self._acceptor = _Acceptor("no-http", self._handle, port)
        self.port = self._acceptor.port

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        conn.recv(65536)
        self.requests += 1

    def stop(self) -> None:
        self._acceptor.stop()


class ForwardProxy:
    """An HTTP forward proxy: absolute-URI requests and CONNECT tunnels, piped as bytes.

    ``targets`` records ``(method, target)`` of every request the proxy received.
    """

    def __init__(self) -> None:
        self.targets: List[Tuple[str, str]] = []
        self._acceptor = _Acceptor("proxy", self._handle)
        self.port = self._acceptor.port
        self.url = f"http://127.0.0.1:{self.port}"

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(65536)
            if not chunk:
                return
            head += chunk
        request_line, rest = head.split(b"\r\n", 1)
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        self.targets.append((method, target))
        if method == "CONNECT":
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)), timeout=5)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            leftover = rest.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in rest else b""
        else:
            parts = urlsplit(target)
            upstream = socket.create_connection((parts.hostname, parts.port or 80), timeout=5)
            origin_form = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            leftover = f"{method} {origin_form} {version}\r\n".encode("latin-1") + rest
        try:
            if leftover:
                upstream.sendall(leftover)
            self._pipe(conn, upstream)
        finally:
            upstream.close()

    def _pipe(self, left: socket.socket, right: socket.socket) -> None:
        peers = {left: right, right: left}
        while not self._acceptor.stopping.is_set():
            readable, _, _ = select.select([left, right], [], [], 0.1)
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)

    def stop(self) -> None:
        self._acceptor.stop()


class HtmlErrorServer:
    """Answers every request with one fixed status and body (HTTP/1.0, one per connection)."""

    def __init__(
        self,
        status: int = 502,
        body: str = "<html><head><title>502 Bad Gateway</title></head>"
        "<body><h1>Bad Gateway</h1><p>nginx</p></body></html>",
        content_type: str = "text/html",
    ) -> None:
        owner = self
        self.paths: List[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                owner.paths.append(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = _answer

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="html-error-server",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(("127.0.0.1", 0))
    port: int = probe.getsockname()[1]
    probe.close()
    return port

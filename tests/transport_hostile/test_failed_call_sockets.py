"""Descriptor hygiene: a REST call that fails closes the connection it used at once (it
does not go back to the pool), so a caller that keeps the error holds no extra socket --
no ``gc.collect()`` needed -- and the next call simply opens a new connection.

Each hostile server answers the first call's connection with one kind of failure and
every later request with a valid message. The sockets counted are this process's, less
the hostile server's own (listener and accepted connections)."""

import json
import os
import socket
import threading
import uuid
from typing import Any, Callable, Iterator

import pytest

import ailoop
from ailoop import AiloopClient
from tests.descriptors import FD_DIR, descriptor_targets

from ._hostile import RawServer, read_head

pytestmark = pytest.mark.skipif(
    not os.path.isdir(FD_DIR), reason="counts descriptors in /proc"
)

MESSAGE_ID = str(uuid.uuid4())
MESSAGE = json.dumps(
    {
        "id": MESSAGE_ID,
        "channel": "public",
        "sender_type": "AGENT",
        "timestamp": "2026-01-01T00:00:00Z",
        "content": {"type": "notification", "text": "hi", "priority": "normal"},
    }
).encode()
JSON_HEAD = "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
CAP = 65536


def _ok(conn: socket.socket) -> None:
    conn.sendall(
        (JSON_HEAD.format(status="200 OK") + f"Content-Length: {len(MESSAGE)}\r\n\r\n").encode()
        + MESSAGE
    )


def _until_client_closes(conn: socket.socket) -> None:
    """Stall (reading what the client sends) until the client closes its end."""
    while conn.recv(4096):
        pass


def _stall_before_answer(conn: socket.socket) -> None:
    _until_client_closes(conn)


def _trickle_body(conn: socket.socket) -> None:
    conn.sendall((JSON_HEAD.format(status="200 OK") + "Content-Length: 1000\r\n\r\n{").encode())
    conn.settimeout(0.05)  # pacing: a byte each time the client stays silent this long
    while True:
        try:
            if not conn.recv(1):
                return
        except socket.timeout:
            conn.sendall(b" ")


def _announced_too_large(conn: socket.socket) -> None:
    conn.sendall((JSON_HEAD.format(status="200 OK") + "Content-Length: 99999999\r\n\r\n{").encode())
    _until_client_closes(conn)


def _streamed_too_large(conn: socket.socket) -> None:
    head = JSON_HEAD.format(status="200 OK") + "Transfer-Encoding: chunked\r\n\r\n"
    conn.sendall(head.encode() + b"%x\r\n%s\r\n" % (CAP + 1, b" " * (CAP + 1)))
    _until_client_closes(conn)


def _not_json(conn: socket.socket) -> None:
    conn.sendall((JSON_HEAD.format(status="200 OK") + "Content-Length: 5\r\n\r\n{{{{{").encode())
    _serve_valid_requests(conn)


def _bad_chunk_size(conn: socket.socket) -> None:
    head = JSON_HEAD.format(status="200 OK") + "Transfer-Encoding: chunked\r\n\r\n"
    conn.sendall(head.encode() + b"zz\r\n")
    _until_client_closes(conn)


def _undecodable_gzip(conn: socket.socket) -> None:
    head = JSON_HEAD.format(status="200 OK") + "Content-Encoding: gzip\r\n"
    head += "Content-Length: 10\r\n\r\n"
    conn.sendall(head.encode() + b"not gzip!!")
    _serve_valid_requests(conn)


def _reset_mid_body(conn: socket.socket) -> None:
    conn.sendall((JSON_HEAD.format(status="200 OK") + "Content-Length: 1000\r\n\r\n{").encode())
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()  # linger 0: an RST


def _server_error(conn: socket.socket) -> None:
    head = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
    conn.sendall((head + "Content-Length: 4\r\n\r\noops").encode())
    _serve_valid_requests(conn)


def _server_error_body_cut(conn: socket.socket) -> None:
    head = "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
    conn.sendall((head + "Content-Length: 400\r\n\r\noops").encode())
    _until_client_closes(conn)


def _redirect(conn: socket.socket) -> None:
    head = "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\n"
    conn.sendall((head + "Content-Length: 3\r\n\r\nabc").encode())
    _serve_valid_requests(conn)


def _serve_valid_requests(conn: socket.socket) -> None:
    while read_head(conn) is not None:
        _ok(conn)


FAILURES = {
    "read timeout at the deadline": (_stall_before_answer, ailoop.TimeoutError),
    "trickled body cut at the deadline": (_trickle_body, ailoop.TimeoutError),
    "Content-Length over the cap": (_announced_too_large, ailoop.MessageTooLargeError),
    "streamed body over the cap": (_streamed_too_large, ailoop.MessageTooLargeError),
    "body that is not JSON": (_not_json, ailoop.MalformedResponseError),
    "malformed chunked body": (_bad_chunk_size, ailoop.ConnectionError),
    "undecodable gzip body": (_undecodable_gzip, ailoop.ConnectionError),
    "reset mid-body": (_reset_mid_body, ailoop.ConnectionError),
    "5xx": (_server_error, ailoop.ServerError),
    "5xx whose body is cut": (_server_error_body_cut, ailoop.TimeoutError),
    "redirect": (_redirect, ailoop.ConnectionError),
}

AT_THE_DEADLINE = {
    "read timeout at the deadline",
    "trickled body cut at the deadline",
    "5xx whose body is cut",
}
"""The kinds that take the call's whole timeout (1 s)."""


class _Server(RawServer):
    """The first connection gets ``failure``; every later one, valid answers."""

    def __init__(self, failure: Callable[[socket.socket], None]) -> None:
        self._failure = failure
        self._first = threading.Lock()
        super().__init__(self._route, name="failing")
        # The server's own sockets, by inode (a descriptor number is reused once closed).
        self.inodes = {_inode(self._listener)}

    def _route(self, conn: socket.socket, head: bytes) -> None:
        self.inodes.add(_inode(conn))  # before it answers, so before the call returns
        if self._first.acquire(blocking=False):
            self._failure(conn)
        else:
            _ok(conn)
            _serve_valid_requests(conn)


def _inode(sock: socket.socket) -> int:
    return os.fstat(sock.fileno()).st_ino


def _client_sockets(server: _Server) -> int:
    """Sockets of this process that are not the hostile server's."""
    return sum(
        int(target[len("socket:[") : -1]) not in server.inodes
        for target in descriptor_targets().values()
        if target.startswith("socket:[")
    )


@pytest.fixture
def failing() -> Iterator[Callable[[Callable[[socket.socket], None]], _Server]]:
    servers = []

    def start(failure: Callable[[socket.socket], None]) -> _Server:
        server = _Server(failure)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


CALLS = {
    "say": lambda client: client.say("hello"),
    "get_message": lambda client: client.get_message(MESSAGE_ID),
}


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize(
    "kind",
    [pytest.param(k, marks=pytest.mark.slow) if k in AT_THE_DEADLINE else k for k in FAILURES],
)
def test_a_failed_call_closes_its_connection_at_once(failing, kind: str, call: str) -> None:
    behaviour, error_class = FAILURES[kind]
    server = failing(behaviour)
    invoke: Callable[[AiloopClient], Any] = CALLS[call]
    with AiloopClient(server.url, timeout=1.0, max_message_bytes=CAP) as client:
        before = _client_sockets(server)
        kept = None
        try:
            invoke(client)
        except ailoop.AiloopError as error:
            kept = error
        assert isinstance(kept, error_class), repr(kept)
        assert _client_sockets(server) <= before, f"a socket outlives the failed call: {kept!r}"
        assert str(invoke(client).id) == MESSAGE_ID, "the next call opens a new connection"
    assert kept.__traceback__ is not None  # the error (and its frames) was kept throughout


def _not_found(conn: socket.socket) -> None:
    body = b'{"error": "Message not found"}'
    head = JSON_HEAD.format(status="404 Not Found") + f"Content-Length: {len(body)}\r\n\r\n"
    conn.sendall(head.encode() + body)
    _serve_valid_requests(conn)


def test_a_whole_4xx_answer_keeps_its_connection_pooled(failing) -> None:
    server = failing(_not_found)
    with AiloopClient(server.url, timeout=10.0) as client:
        with pytest.raises(ailoop.NotFoundError):
            client.get_message(MESSAGE_ID)
        assert str(client.get_message(MESSAGE_ID).id) == MESSAGE_ID
    assert server.accepted == 1, "the second call reused the first call's connection"

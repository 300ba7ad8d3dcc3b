"""Rule 6, transport part: whatever arrives on a prompt's agent connection -- invalid
UTF-8, binary frames, text that is not JSON, JSON nested past the recursion limit, other
traffic -- is ignored or a typed ailoop error, never a raw exception; and a prompt whose
echo arrived is reported as delivered, even when the echo carries damaged bytes."""

import json
import socket
import threading
from typing import List

import pytest

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer

from ._hostile import Front, RawServer, accept_websocket, frame, read_client_frame, relay_to

GARBAGE: List[bytes] = [
    frame(b"\xff\xfe\xfd not utf-8"),
    frame(b"\xc3\x28" * 50),
    frame(b"plain text, not JSON"),
    frame(b"[" * 100_000),
    frame(b'{"id": 42}'),
    frame(b'{"id": "not-a-uuid"}'),
    frame(json.dumps({"id": "00000000-0000-4000-8000-000000000000"}).encode()),
    frame(b"\x00\x01\x02 binary", opcode=0x2),
    frame(b"", opcode=0x9),  # a ping, answered by websocket-client
]


def _garbage_then_damaged_echo(stand_in: AiloopTestServer):  # type: ignore[no-untyped-def]
    def serve(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        accept_websocket(conn, head)
        _, prompt = read_client_frame(conn)
        relay_to(stand_in.ws_url, prompt)  # so the viewer sees it, as from a real server
        conn.sendall(b"".join(GARBAGE))
        damaged = prompt.replace(b'"deploy', b'"dep\xffloy')
        conn.sendall(frame(damaged))
        stopping.wait(10)

    return serve


def test_garbage_is_ignored_and_a_damaged_echo_still_means_delivered(
    stand_in: AiloopTestServer,
) -> None:
    serve = _garbage_then_damaged_echo(stand_in)
    front: Front = Front(stand_in.port, {1: lambda conn, head: serve(conn, head, front.stopping)})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=5, protocol="v1") as client:
        client.connect_websocket()
        sent = client.authorize("deploy now")
    assert sent.content.action.startswith("dep")
    assert "\ufffd" in sent.content.action, "the damaged byte was replaced, not fatal"


@pytest.mark.slow
@pytest.mark.parametrize("junk", GARBAGE[:4], ids=["utf8", "utf8-pairs", "text", "deep"])
def test_garbage_and_no_echo_is_a_delivery_error(stand_in: AiloopTestServer, junk: bytes) -> None:
    def serve(conn: socket.socket, head: bytes) -> None:
        accept_websocket(conn, head)
        read_client_frame(conn)
        conn.sendall(junk)
        front.stopping.wait(10)

    front = Front(stand_in.port, {1: serve})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=1, protocol="v1") as client:
        client.connect_websocket()
        with pytest.raises(ailoop.DeliveryError):
            client.authorize("deploy")


def test_garbage_instead_of_a_handshake_answer_is_a_connection_error(
    stand_in: AiloopTestServer,
) -> None:
    def serve(conn: socket.socket, head: bytes) -> None:
        conn.sendall(b"\xff\xfe garbage \x00\r\n\r\n")

    front = Front(stand_in.port, {1: serve})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=2, protocol="v1") as client:
        client.connect_websocket()
        with pytest.raises(ailoop.ConnectionError) as caught:
            client.authorize("deploy")
    assert f"127.0.0.1:{front.port}" in str(caught.value), "the error names the server"


@pytest.mark.slow
@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 99999999999999\r\n\r\nno",
        b"HTTP/1.1 500 Oops\r\nContent-Length: -5\r\n\r\n",
        b"HTTP/1.1 abc Nope\r\n\r\n",
        b"HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: wrong\r\n\r\n",
    ],
    ids=["huge-length", "negative-length", "bad-status", "bad-accept"],
)
def test_a_malformed_handshake_answer_is_a_typed_error(
    stand_in: AiloopTestServer, answer: bytes
) -> None:
    def serve(conn: socket.socket, head: bytes) -> None:
        conn.sendall(answer)
        front.stopping.wait(10)

    front = Front(stand_in.port, {1: serve})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=2, protocol="v1") as client:
        client.connect_websocket()
        with pytest.raises(ailoop.AiloopError):
            client.authorize("deploy")


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_body_cut_short_is_a_connection_error_not_an_answer(method: str) -> None:
    """Content-Length promises more than arrives before the server closes."""

    def cut(conn: socket.socket, head: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b'Content-Length: 100\r\n\r\n{"status": "healthy"}')

    with RawServer(cut) as server, AiloopClient(server.url, timeout=5) as client:
        call = client.get_health if method == "get" else (lambda: client.say("hello"))
        with pytest.raises(ailoop.ConnectionError) as caught:
            call()
    assert not isinstance(caught.value, ailoop.MalformedResponseError), caught.value


def _undecodable_echo(stand_in: AiloopTestServer, answer: bool):  # type: ignore[no-untyped-def]
    """An echo with the prompt's id whose content is no valid Message (the action is a
    number); with ``answer`` the stand-in then approves the prompt."""

    def serve(conn: socket.socket, head: bytes, stopping: threading.Event) -> None:
        accept_websocket(conn, head)
        _, prompt = read_client_frame(conn)
        relay_to(stand_in.ws_url, prompt)
        echo = json.loads(prompt)
        echo["content"]["action"] = 42
        conn.sendall(frame(json.dumps(echo).encode()))
        if answer:
            stand_in.wait_for_pending(10, message_id=echo["id"])
            stand_in.respond(echo["id"], response_type="authorization_approved")
        stopping.wait(10)

    return serve


def test_an_undecodable_echo_still_means_delivered_and_the_sent_prompt_is_returned(
    stand_in: AiloopTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    serve = _undecodable_echo(stand_in, answer=False)
    front: Front = Front(stand_in.port, {1: lambda conn, head: serve(conn, head, front.stopping)})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=5, protocol="v1") as client:
        client.connect_websocket()
        with caplog.at_level("WARNING", logger="ailoop"):
            sent = client.authorize("deploy now")
    assert sent.content.action == "deploy now"
    assert "could not be decoded" in caplog.text


def test_an_undecodable_echo_does_not_stop_a_wait_for_the_answer(
    stand_in: AiloopTestServer,
) -> None:
    serve = _undecodable_echo(stand_in, answer=True)
    front: Front = Front(stand_in.port, {1: lambda conn, head: serve(conn, head, front.stopping)})
    with front, AiloopClient(front.url, timeout=10, echo_timeout=5, protocol="v1") as client:
        client.connect_websocket()
        response = client.authorize("deploy now", wait=True, wait_timeout=10)
    assert ailoop.approved(response)

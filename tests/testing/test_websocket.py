"""WebSocket conformance (PROTOCOL §6): endpoint, agent and viewer semantics, bad input."""

import json
from typing import Callable

import pytest
import websocket

from ailoop.testing import AiloopTestServer

from .conftest import Http, Ws, become_viewer, decision, message, notification


def test_echo_goes_to_the_sender_normalised(connect: Callable[..., Ws]) -> None:
    agent = connect()
    sent = message(notification("hi", priority="high"), timestamp="2026-06-11T11:30:00+02:00")
    sent["unknown"] = True
    agent.send_json(sent)
    echo = agent.recv_json()
    assert echo == {
        "id": sent["id"],
        "channel": "ops",
        "sender_type": "AGENT",
        "content": {"type": "notification", "text": "hi", "priority": "high"},
        "timestamp": "2026-06-11T09:30:00Z",
        "correlation_id": None,
    }


def test_frames_are_compact_json_in_struct_order(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.echo_of(agent.send_message(decision()))
    out = [f.text for f in server.frames if f.direction == "out"]
    assert out[0].startswith('{"id":"')
    assert '"content":{"type":"decision","decision_id":"pick","summary":' in out[0]
    assert out[0].endswith('"timestamp":"2026-06-11T09:30:00Z","correlation_id":null}')


def test_channel_is_not_validated_on_the_websocket(connect: Callable[..., Ws]) -> None:
    agent = connect()
    for channel in ("System", "", "with space"):
        assert (
            agent.echo_of(agent.send_message(notification(), channel=channel))["channel"] == channel
        )


def test_agent_is_subscribed_only_to_channels_it_sent_on(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.echo_of(agent.send_message(notification(), channel="a"))
    http.post("/api/v1/messages", json=message(notification("elsewhere"), channel="b"))
    marker = message(notification("marker"), channel="a")
    http.post("/api/v1/messages", json=marker)
    assert agent.recv_json()["id"] == marker["id"]


def test_silent_agent_receives_nothing(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    silent = connect()
    silent.send_json({"type": "subscribe", "channel": "ops"})
    http.post("/api/v1/messages", json=message(notification(), channel="ops"))
    marker = silent.send_message(notification("marker"), channel="zzz")
    assert silent.recv_json()["id"] == marker


def test_other_agents_messages_reach_agents_subscribed_to_the_channel(
    connect: Callable[..., Ws],
) -> None:
    first, second = connect(), connect()
    first.echo_of(first.send_message(notification(), channel="ops"))
    second_id = second.send_message(notification(), channel="ops")
    assert first.recv_json()["id"] == second_id


@pytest.mark.parametrize(
    "hello",
    [{"subscribe": "*"}, {"subscribe": ["nothing"]}, {"subscribe": None}, {"subscribe": 1, "x": 2}],
)
def test_any_hello_makes_a_viewer_of_all_channels(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws], hello: dict
) -> None:
    viewer = become_viewer(server, connect(), hello)
    sent = message(notification(), channel="unrelated")
    http.post("/api/v1/messages", json=sent)
    assert viewer.recv_json()["id"] == sent["id"]


def test_replay_is_per_channel_oldest_first_and_excludes_canonical_responses(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    prompt = agent.send_message(decision(), channel="ops")
    server.wait_for_pending(message_id=prompt)
    raw = server.respond(prompt, "opt1")
    agent.recv_until(lambda f: "metadata" in f)
    note = message(notification(), channel="builds")
    http.post("/api/v1/messages", json=note)
    viewer = become_viewer(server, connect())
    replayed = [viewer.recv_json()["id"] for _ in range(3)]
    # Oldest first within a channel; the channels come in the real server's hash-map order.
    assert sorted(replayed) == sorted([prompt, str(raw.id), note["id"]])
    assert replayed.index(prompt) < replayed.index(str(raw.id))


def test_viewer_writes_are_ignored(server: AiloopTestServer, http: Http, viewer: Ws) -> None:
    ignored = viewer.send_message(notification())
    viewer.send_json({"subscribe": "*"})
    marker = message(notification("marker"))
    http.post("/api/v1/messages", json=marker)
    assert viewer.recv_json()["id"] == marker["id"]
    assert [str(m.id) for m in server.messages()] == [marker["id"]]
    assert ignored not in {p.message_id for p in server.pending()}


@pytest.mark.parametrize(
    "frame",
    [
        "ping from proxy",
        "{",
        "[]",
        "null",
        '{"type":"subscribe","channel":"ops"}',
        json.dumps(message(notification(), sender_type="agent")),
        json.dumps(message(notification(), timestamp="2026-06-11T09:30:00")),
        json.dumps(message({"type": "question", "text": "q", "timeout_seconds": 1})),
        json.dumps(message({"type": "poll"})),
    ],
)
def test_bad_frames_are_dropped_silently_and_the_connection_keeps_working(
    server: AiloopTestServer, connect: Callable[..., Ws], frame: str
) -> None:
    agent = connect()
    agent.socket.send(frame)
    marker = agent.send_message(notification("still here"))
    assert agent.recv_json()["id"] == marker
    assert [str(m.id) for m in server.messages()] == [marker]


def test_binary_frames_and_pongs_are_ignored(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.socket.send_binary(json.dumps(message(notification())).encode())
    agent.socket.pong(b"unsolicited")
    marker = agent.send_message(notification())
    assert agent.recv_json()["id"] == marker


def test_invalid_utf8_closes_only_that_connection(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    broken = connect()
    broken.socket.send(b"\xff\xfe", opcode=websocket.ABNF.OPCODE_TEXT)
    server.wait_for_connections(total=0)
    healthy = connect()
    assert healthy.echo_of(healthy.send_message(notification()))["channel"] == "ops"


def test_pings_are_answered(connect: Callable[..., Ws]) -> None:
    agent = connect()
    agent.socket.ping(b"are you there")
    opcode, frame = agent.socket.recv_data_frame(control_frame=True)
    assert (opcode, frame.data) == (websocket.ABNF.OPCODE_PONG, b"are you there")


def test_websocket_only_at_root_and_query_string_is_ignored(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(server.ws_url + "ws", timeout=5)
    assert refused.value.status_code == 404
    agent = connect(server.ws_url + "?token=ignored")
    assert agent.echo_of(agent.send_message(notification()))


def test_no_subprotocol_and_no_compression_are_negotiated(connect: Callable[..., Ws]) -> None:
    agent = connect(header=["Sec-WebSocket-Extensions: permessage-deflate"])
    headers = {k.lower(): v for k, v in agent.socket.getheaders().items()}
    assert "sec-websocket-extensions" not in headers
    assert "sec-websocket-protocol" not in headers


def test_close_frame_ends_the_connection_and_its_subscriptions(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    agent.echo_of(agent.send_message(notification(), channel="gone"))
    agent.close()
    server.wait_for_connections(total=0)
    assert http.get("/api/v1/health").json()["active_channels"] == 0


def test_sender_is_subscribed_before_its_echo_is_broadcast(connect: Callable[..., Ws]) -> None:
    agent = connect()
    ids = [agent.send_message(notification(str(n)), channel=f"c{n}") for n in range(20)]
    # Every echo arrives; the real server may broadcast back-to-back messages in any order.
    assert sorted(agent.recv_json()["id"] for _ in ids) == sorted(ids)

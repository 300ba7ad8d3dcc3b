"""Channel listings, history limits, stats and health counters (PROTOCOL §4.3, §6.4, §7.9)."""

import json
from typing import Callable

import pytest

from ailoop.testing import AiloopTestServer

from .conftest import Http, Ws, authorization, become_viewer, decision, message, notification


def post(
    http: Http, channel: str, text: str = "n", timestamp: str = "2026-06-11T09:30:00Z"
) -> dict:
    sent = message(notification(text), channel=channel, timestamp=timestamp)
    response = http.post("/api/v1/messages", json=sent)
    assert response.status_code == 201
    return response.json()


def test_channels_list_only_channels_with_history_with_plus_zero_timestamps(http: Http) -> None:
    assert http.get("/api/channels").json() == {"channels": []}
    post(http, "ops", timestamp="2026-06-11T09:30:00.123456Z")
    post(http, "ops", timestamp="2026-06-11T08:00:00Z")
    post(http, "builds")
    channels = {c["name"]: c for c in http.get("/api/channels").json()["channels"]}
    assert channels == {
        "ops": {
            "name": "ops",
            "message_count": 2,
            "oldest_message": "2026-06-11T09:30:00.123456+00:00",
            "newest_message": "2026-06-11T08:00:00+00:00",
        },
        "builds": {
            "name": "builds",
            "message_count": 1,
            "oldest_message": "2026-06-11T09:30:00+00:00",
            "newest_message": "2026-06-11T09:30:00+00:00",
        },
    }


def test_channel_stats_of_unknown_channel(http: Http) -> None:
    response = http.get("/api/channels/nowhere/stats")
    assert response.text == (
        '{"channel":"nowhere","message_count":0,"oldest_message":null,"newest_message":null}'
    )


def test_channel_path_segment_is_not_validated_and_is_percent_decoded(http: Http) -> None:
    assert http.get("/api/channels/System/stats").json()["channel"] == "System"
    assert http.get("/api/channels/a%20b/messages").json()["channel"] == "a b"


def test_history_default_limit_order_and_total_count(http: Http) -> None:
    sent = [post(http, "ops", str(n))["id"] for n in range(105)]
    body = http.get("/api/channels/ops/messages").json()
    assert body["channel"] == "ops"
    assert [m["id"] for m in body["messages"]] == sent[-100:]
    assert body["total_count"] == 100
    assert [
        m["id"] for m in http.get("/api/channels/ops/messages?limit=3").json()["messages"]
    ] == sent[-3:]
    assert http.get("/api/channels/ops/messages?limit=0").json()["messages"] == []
    assert http.get("/api/channels/ops/messages?limit=%2B2").json()["total_count"] == 2


@pytest.mark.parametrize(
    "query", ["limit=abc", "limit=-1", "limit=", "_offset=x", "limit=1&limit=2"]
)
def test_bad_history_query_is_400_text(http: Http, query: str) -> None:
    response = http.get(f"/api/channels/ops/messages?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_offset_is_ignored_and_unknown_channel_is_empty(http: Http) -> None:
    post(http, "ops")
    assert http.get("/api/channels/ops/messages?offset=abc&x=1").json()["total_count"] == 1
    assert http.get("/api/channels/none/messages").json() == {
        "channel": "none",
        "messages": [],
        "total_count": 0,
    }


@pytest.mark.slow
def test_history_keeps_1000_per_channel_and_replay_sends_500(
    server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    frames = [message(notification(str(n)), channel="bulk") for n in range(1003)]
    for frame in frames:
        agent.send_in_order(frame)
    stored = server.messages("bulk")
    assert [str(m.id) for m in stored] == [f["id"] for f in frames[3:]]
    viewer = become_viewer(server, connect())
    replayed = [viewer.recv_json()["id"] for _ in range(500)]
    assert replayed == [f["id"] for f in frames[-500:]]


def test_stats_and_health_count_connections_and_subscription_keys(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    idle = connect()
    sender = connect()
    server.wait_for_connections(total=2)
    health = http.get("/api/v1/health").json()
    assert (health["active_connections"], health["active_channels"]) == (2, 0)
    for channel in ("a", "b", "a"):
        sender.echo_of(sender.send_message(notification(), channel=channel))
    assert http.get("/api/stats").json() == {
        "total_viewers": 2,
        "agent_connections": 2,
        "viewer_connections": 0,
        "active_channels": 2,
    }
    become_viewer(server, idle)
    assert http.get("/api/stats").json() == {
        "total_viewers": 2,
        "agent_connections": 1,
        "viewer_connections": 1,
        "active_channels": 3,
    }
    sender.close()
    server.wait_for_connections(total=1)
    assert http.get("/api/v1/health").json()["active_channels"] == 1


def test_pending_lists_only_the_registered_prompt(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    first = agent.send_message(decision(), channel="ops")
    server.wait_for_pending(message_id=first)
    agent.send_message(authorization(), channel="other")  # queued behind: never listed
    body = http.get("/api/v1/pending").json()
    assert body == {
        "items": [
            {
                "message_id": first,
                "kind": "decision",
                "channel": "ops",
                "position": 1,
                "label": "Pick one of these",
            }
        ],
        "total_count": 1,
    }
    assert http.get("/api/v1/health").json()["queue_size"] == 1
    assert http.get("/api/v1/pending?channel=other").json() == {"items": [], "total_count": 0}


def test_pending_kinds_and_labels(
    server: AiloopTestServer, http: Http, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    auth_id = agent.send_message(authorization(action="Drop **table**"))
    server.wait_for_pending(message_id=auth_id)
    assert http.get("/api/v1/pending?channel=ops").json()["items"][0]["kind"] == "authorize"
    assert http.get("/api/v1/pending").json()["items"][0]["label"] == "Drop **table**"
    server.respond(auth_id, None, "authorization_denied")
    nav_id = agent.send_message({"type": "navigate", "url": "https://x.test/a_b"})
    server.wait_for_pending(message_id=nav_id)
    item = http.get("/api/v1/pending").json()["items"][0]
    assert (item["kind"], item["label"]) == ("navigate", "https://x.test/a_b")


@pytest.mark.parametrize(
    ("summary", "label"),
    [
        ("# Deploy `v2` _now_?", "Deploy v2 now ?"),
        ("**bold**  and *it*", "bold and it"),
        ("###", ""),
        ("a#b ##c", "a#b c"),
    ],
)
def test_decision_label_strips_markdown(
    server: AiloopTestServer, connect: Callable[..., Ws], summary: str, label: str
) -> None:
    prompt_id = connect().send_message(decision(summary=summary))
    assert server.wait_for_pending(message_id=prompt_id).label == label


@pytest.mark.parametrize(
    ("query", "error"),
    [("channel=", "Channel name is empty"), ("channel=admin", "Channel name is reserved: admin")],
)
def test_pending_channel_filter_is_validated(http: Http, query: str, error: str) -> None:
    response = http.get(f"/api/v1/pending?{query}")
    assert response.status_code == 400
    assert response.json() == {"error": error}


def test_listing_bodies_are_compact_json(http: Http) -> None:
    post(http, "ops")
    text = http.get("/api/channels/ops/messages").text
    assert json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False) == text

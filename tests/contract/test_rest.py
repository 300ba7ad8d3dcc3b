"""REST methods of the SDK against the server: messages, history, counters, pending."""

import uuid
from typing import Callable

import pytest

import ailoop
from ailoop import AiloopClient

from .conftest import Human, Target, Wire, fresh_channel

pytestmark = pytest.mark.timeout(60)


def test_health(client: AiloopClient) -> None:
    health = client.get_health()
    assert health.status == "healthy"
    assert health.version.startswith(("1.", "0."))
    assert health.queue_size in (0, 1)
    assert health.active_connections >= 0 and health.active_channels >= 0


def test_stats_count_the_connections(client: AiloopClient) -> None:
    stats = client.get_stats()
    assert stats.total_viewers == stats.agent_connections + stats.viewer_connections
    assert min(stats.total_viewers, stats.active_channels) >= 0


def test_say_is_stored_and_readable(client: AiloopClient, channel: str) -> None:
    sent = client.say("Build 42 is green", priority="high")
    assert sent.channel == channel
    stored = client.get_message(sent.id)
    assert stored.id == sent.id
    assert stored.content.text == "Build 42 is green"
    assert stored.content.priority == "high"
    (listed,) = client.get_channel_messages(channel)
    assert listed.id == sent.id


def test_get_message_unknown_is_not_found(client: AiloopClient) -> None:
    with pytest.raises(ailoop.NotFoundError):
        client.get_message(uuid.uuid4())


def test_respond_records_a_raw_response(client: AiloopClient, channel: str) -> None:
    prompt = client.say("an answerable note")
    client.respond(prompt.id, "noted")
    history = client.get_channel_messages(channel)
    stored, raw = history
    assert stored.id == prompt.id
    assert raw.correlation_id == prompt.id
    assert (raw.content.answer, raw.content.response_type) == ("noted", "text")
    assert raw.sender_type == "HUMAN"


def test_channel_history_limit_keeps_the_newest(client: AiloopClient, channel: str) -> None:
    sent = [client.say(f"note {n}").id for n in range(5)]
    assert [m.id for m in client.get_channel_messages(channel, limit=2)] == sent[-2:]
    assert [m.id for m in client.get_channel_messages(channel, limit=100)] == sent
    assert [m.id for m in client.get_channel_messages(channel)] == sent


def test_history_limit_zero_on_the_wire(wire: Wire, client: AiloopClient, channel: str) -> None:
    client.say("one")
    reply = wire.get(f"/api/channels/{channel}/messages", params={"limit": 0})
    assert reply.status_code == 200
    assert reply.json()["messages"] == []


def test_history_of_an_unknown_channel_is_empty(client: AiloopClient) -> None:
    assert client.get_channel_messages(fresh_channel()) == []


def test_channel_stats_and_listing(client: AiloopClient, channel: str) -> None:
    first = client.say("first")
    client.say("second")
    stats = client.get_channel_stats(channel)
    assert (stats.channel, stats.message_count) == (channel, 2)
    assert stats.oldest_message == first.timestamp
    listed = {info.name: info for info in client.get_channels()}
    assert listed[channel].message_count == 2


def test_channel_stats_of_an_unknown_channel(client: AiloopClient) -> None:
    name = fresh_channel()
    stats = client.get_channel_stats(name)
    assert (stats.channel, stats.message_count, stats.oldest_message) == (name, 0, None)


def test_invalid_channel_name_is_a_validation_error(client: AiloopClient) -> None:
    with pytest.raises(ailoop.ValidationError, match="invalid characters"):
        client.say("nope", channel="bad.name")


def test_history_path_channel_is_not_validated(wire: Wire) -> None:
    reply = wire.get("/api/channels/bad.name/messages")
    assert reply.status_code == 200
    assert reply.json() == {"channel": "bad.name", "messages": [], "total_count": 0}


@pytest.mark.usefixtures("v1_only")
def test_pending_rejects_an_invalid_channel(wire: Wire) -> None:
    reply = wire.get("/api/v1/pending", params={"channel": "bad.name"})
    assert reply.status_code == 400
    assert "invalid characters" in reply.json()["error"]


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_pending_lists_the_prompt_on_screen(
    client: AiloopClient, human: Human, channel: str
) -> None:
    prompt = client.authorize("Rotate the keys", timeout=30)
    human.wait_on_screen(prompt.id, channel)
    (item,) = client.get_pending(channel)
    assert (item.message_id, item.kind, item.channel, item.label) == (
        prompt.id,
        "authorize",
        channel,
        "Rotate the keys",
    )
    assert client.get_health().queue_size == 1
    human.post(prompt.id, None, "authorization_denied")
    client.wait_for_response(prompt.id, timeout=10)
    assert client.get_pending(channel) == []


@pytest.mark.slow
@pytest.mark.usefixtures("v1_only")
def test_pending_label_strips_markdown(client: AiloopClient, human: Human, channel: str) -> None:
    prompt = client.ask_decision("d", "Pick **one** of_these", ["a", "b"], timeout=30)
    human.wait_on_screen(prompt.id, channel)
    (item,) = client.get_pending(channel)
    assert (item.kind, item.label) == ("decision", "Pick one of these")


def test_rest_only_client_posts_over_http(
    make_client: Callable[..., AiloopClient], channel: str, target: Target
) -> None:
    client = make_client(channel=channel, realtime=False)
    sent = client.say("no websocket needed")
    assert client.get_message(sent.id).channel == channel
    assert client.connection_state == ailoop.ConnectionState.DISCONNECTED  # never streamed

"""The realtime engine against the stand-in, below the client: raw frames in, routing out."""

from typing import Any, Dict, Iterator, List, Optional

import pytest
import requests

from ailoop._connection import ConnectionSettings
from ailoop._connection_state import ConnectionState
from ailoop._realtime import PromptTicket, RealtimeEngine
from ailoop._stream import StreamSettings
from ailoop._urls import parse_server_url
from ailoop._websocket import WebSocketOpener
from ailoop.exceptions import ClientClosedError, DeliveryError, TimeoutError
from ailoop.models import Message
from ailoop.testing import AiloopTestServer

from .conftest import (
    WAIT,
    EventRecorder,
    Recorder,
    decision,
    notification,
    post,
    run_in_thread,
    send_as_agent,
)


class RequestsHistory:
    """The engine's REST needs, served with plain requests."""

    def __init__(self, base_url: str) -> None:
        self._base = base_url
        self._session = requests.Session()

    def channel_names(self) -> List[str]:
        body = self._session.get(f"{self._base}/api/channels", timeout=WAIT).json()
        return [channel["name"] for channel in body["channels"]]

    def channel_history(self, channel: str, limit: int) -> List[Dict[str, Any]]:
        url = f"{self._base}/api/channels/{channel}/messages"
        response = self._session.get(url, params={"limit": limit}, timeout=WAIT)
        return list(response.json()["messages"])

    def find_message(self, message_id: str) -> Optional[Dict[str, Any]]:
        response = self._session.get(f"{self._base}/api/v1/messages/{message_id}", timeout=WAIT)
        return None if response.status_code == 404 else dict(response.json())

    def close(self) -> None:
        self._session.close()


@pytest.fixture
def engine(server: AiloopTestServer) -> Iterator[RealtimeEngine]:
    history = RequestsHistory(server.url)
    settings = ConnectionSettings.build(
        parse_server_url(server.url), timeout=WAIT, token=None, verify=True, user_agent="test"
    )
    opener = WebSocketOpener(settings)
    realtime = RealtimeEngine(
        factory=opener,
        history=history,
        decode=Message.from_wire,
        settings=StreamSettings(reconnect_attempts=50, reconnect_delay=0.05, connect_timeout=WAIT),
        channel="public",
        max_pending_messages=10_000,
        on_handler_error=None,
    )
    yield realtime
    realtime.close()
    opener.close()
    history.close()


def test_handlers_see_live_traffic_of_subscribed_channels_only(
    server: AiloopTestServer, engine: RealtimeEngine
) -> None:
    post(server, notification("public", "old"))
    received = Recorder()
    engine.add_message_handler(received)
    engine.connect()
    post(server, notification("other", "elsewhere"))
    for number in range(5):
        post(server, notification("public", f"new {number}"))
    texts = [message.content.text for message in received.take(5)]
    assert texts == [f"new {number}" for number in range(5)]
    assert received.nothing_more()


def test_catch_up_after_a_reconnect_delivers_what_was_missed_once(
    server: AiloopTestServer, engine: RealtimeEngine
) -> None:
    received = Recorder()
    events = EventRecorder()
    engine.add_connection_handler(events)
    engine.add_message_handler(received)
    engine.connect()
    events.wait_for(ConnectionState.CONNECTED)
    server.fail_route("GET", "/", 503)
    server.drop_connections()
    events.wait_for(ConnectionState.RECONNECTING)
    for number in range(3):
        post(server, notification("public", f"missed {number}"))
    server.clear_faults()
    events.wait_for(ConnectionState.CONNECTED)
    post(server, notification("public", "live"))
    texts = [message.content.text for message in received.take(4)]
    assert texts == ["missed 0", "missed 1", "missed 2", "live"]


def test_wait_resolves_a_web_ui_answer(server: AiloopTestServer, engine: RealtimeEngine) -> None:
    prompt = decision()
    engine.connect()
    send_as_agent(server, prompt)
    result = run_in_thread(lambda: engine.wait(prompt["id"], WAIT, use_stream=True))
    server.wait_for_pending(WAIT, message_id=prompt["id"])
    server.respond(prompt["id"], "2")
    response = result.get(timeout=WAIT)
    assert isinstance(response, Message)
    assert response.content.answer == "canary"
    assert response.metadata == {"option_id": "canary", "label": "Canary", "index": 1}


@pytest.mark.slow
def test_wait_times_out_with_the_last_non_final_response(
    server: AiloopTestServer, engine: RealtimeEngine
) -> None:
    prompt = decision()
    send_as_agent(server, prompt)
    server.respond(prompt["id"], "maybe")
    with pytest.raises(TimeoutError) as caught:
        engine.wait(prompt["id"], 0.5, use_stream=True)
    assert caught.value.last_response.content.answer == "maybe"


def test_prompt_lost_to_a_restart_raises_delivery_error(
    server: AiloopTestServer, engine: RealtimeEngine
) -> None:
    prompt = decision()
    engine.connect()
    send_as_agent(server, prompt)
    result = run_in_thread(lambda: engine.wait(prompt["id"], None, use_stream=True))
    server.wait_for_pending(WAIT, message_id=prompt["id"])
    server.restart()
    assert isinstance(result.get(timeout=WAIT), DeliveryError)


def test_close_wakes_a_waiter(server: AiloopTestServer, engine: RealtimeEngine) -> None:
    prompt = decision()
    send_as_agent(server, prompt)
    result = run_in_thread(lambda: engine.wait(prompt["id"], None, use_stream=True))
    server.wait_for_pending(WAIT, message_id=prompt["id"])
    engine.close()
    assert isinstance(result.get(timeout=WAIT), ClientClosedError)


def _prompt_ticket(engine: RealtimeEngine, prompt: Dict[str, Any]) -> PromptTicket:
    return engine.begin_prompt(
        prompt["id"], prompt["channel"], prompt["content"], wait=False, use_stream=True
    )


def test_a_prompt_awaits_its_sighting_until_a_frame_proved_the_connection(
    server: AiloopTestServer, engine: RealtimeEngine
) -> None:
    """The sighting proves that the server treats the stream's connection as a viewer
    (it sees the prompt, so it will see every answer). Once any frame has arrived on
    that connection, that is proven and later prompts do not wait for their sighting; a
    new connection has to prove it again."""
    events = EventRecorder()
    engine.add_connection_handler(events)
    engine.connect()
    events.wait_for(ConnectionState.CONNECTED)
    first, second, third = decision(), decision(), decision()
    with _prompt_ticket(engine, first) as ticket:
        assert ticket._sighting is not None  # an empty server has sent nothing yet
        send_as_agent(server, first)
        ticket.delivered(WAIT)
        assert ticket._sighting.is_set()
    with _prompt_ticket(engine, second) as ticket:
        assert ticket._sighting is None  # the first prompt's broadcast arrived
        send_as_agent(server, second)
        ticket.delivered(WAIT)
    server.restart()  # an empty server again: nothing is replayed on the new connection
    events.wait_for(ConnectionState.CONNECTED)
    with _prompt_ticket(engine, third) as ticket:
        assert ticket._sighting is not None
        send_as_agent(server, third)
        ticket.delivered(WAIT)
        assert ticket._sighting.is_set()

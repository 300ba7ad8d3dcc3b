"""Hostile input: the parsers fail only in their documented ways and the server keeps serving."""

import contextlib
import json
from typing import Any

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from ailoop.models import Message
from ailoop.testing import AiloopTestServer
from ailoop.testing._clock import parse_timestamp
from ailoop.testing._wire import SchemaError, channel_error, message_parser, parse_uuid

from .conftest import Ws, authorization, decision, message, notification

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
TEMPLATES = [
    message(decision(recommendation={"option_id": "opt1", "rationale_markdown": "r"})),
    message(authorization()),
    message(notification(priority="urgent"), metadata={"k": [1]}),
    message({"type": "response", "answer": "a", "response_type": "text"}, correlation_id=None),
    message(
        {
            "type": "task_update",
            "task_id": message({})["id"],
            "state": "done",
            "updated_at": "2026-06-11T09:30:00Z",
        }
    ),
]


def mutated(template: dict, path: list, value: Any, delete: bool) -> dict:
    copy = json.loads(json.dumps(template))
    target = copy
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return copy


def field_paths(value: Any, prefix: tuple = ()) -> list:
    paths = []
    if isinstance(value, dict):
        for key, item in value.items():
            paths.append((*prefix, key))
            paths.extend(field_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.append((*prefix, index))
            paths.extend(field_paths(item, (*prefix, index)))
    return paths


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(json_values)
def test_message_parser_fails_only_with_schema_errors(value: Any) -> None:
    for legacy in (False, True):
        with contextlib.suppress(SchemaError):
            message_parser(legacy)(value, "")


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(TEMPLATES).flatmap(
        lambda t: st.tuples(st.just(t), st.sampled_from(field_paths(t)))
    ),
    json_values,
    st.booleans(),
)
def test_mutated_messages_parse_or_fail_cleanly_and_what_parses_decodes(
    case: tuple, value: Any, delete: bool
) -> None:
    template, path = case
    try:
        parsed = message_parser(False)(mutated(template, list(path), value, delete), "")
    except SchemaError:
        return
    Message.from_wire(json.loads(json.dumps(parsed)))


@given(st.text(max_size=40))
def test_timestamp_parser_fails_only_with_value_error(text: str) -> None:
    with contextlib.suppress(ValueError):
        assert parse_timestamp(text).endswith("Z")


@given(st.text(max_size=50))
def test_uuid_and_channel_checks_never_raise(text: str) -> None:
    parsed = parse_uuid(text)
    assert parsed is None or len(parsed) == 36
    assert channel_error(text) is None or channel_error(text)


@pytest.mark.slow
def test_garbage_leaves_the_server_serving() -> None:
    with AiloopTestServer() as server, requests.Session() as session:
        socket = Ws(server.ws_url)

        @settings(max_examples=150, deadline=None)
        @given(st.one_of(st.text(max_size=60), json_values.map(json.dumps), st.binary(max_size=60)))
        def send(payload: Any) -> None:
            if isinstance(payload, bytes):
                socket.socket.send_binary(payload)
                body = payload
            else:
                socket.socket.send(payload)
                body = payload.encode("utf-8")
            response = session.post(
                server.url + "/api/v1/messages",
                data=body,
                headers={"Content-Type": "application/json"},
                timeout=5,
            )
            assert response.status_code in (201, 400, 422)

        try:
            send()
        finally:
            socket.close()
        fresh = Ws(server.ws_url)
        try:
            assert fresh.echo_of(fresh.send_message(notification()))
        finally:
            fresh.close()
        assert session.get(server.url + "/api/v1/health", timeout=5).status_code == 200
        server.messages()

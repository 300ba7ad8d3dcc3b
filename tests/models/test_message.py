"""``Message``: liberal decoding, exact encoding, ``new`` and ``content_type``."""

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict
from uuid import UUID

import pytest

from ailoop import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    Message,
    NavigateContent,
    NotificationContent,
    NotificationPriority,
    ResponseContent,
    ResponseType,
    SenderType,
    UnknownContent,
    ValidationError,
)

ID = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"
OTHER_ID = "a1b2c3d4-0001-4f00-8a00-000000000001"


def frame(**overrides: Any) -> Dict[str, Any]:
    """A valid notification frame with some fields replaced (None = removed)."""
    data: Dict[str, Any] = {
        "id": ID,
        "channel": "ops",
        "sender_type": "AGENT",
        "content": {"type": "notification", "text": "hi", "priority": "high"},
        "timestamp": "2026-06-11T09:30:00.123456Z",
        "correlation_id": None,
    }
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


class TestLiberalDecoding:
    @pytest.mark.parametrize(
        "text",
        [
            ID,
            ID.upper(),
            ID.replace("-", ""),
            "urn:uuid:" + ID,
            "{" + ID + "}",
        ],
    )
    def test_uuid_forms(self, text: str) -> None:
        assert Message.from_wire(frame(id=text)).id == UUID(ID)

    @pytest.mark.parametrize("sender", ["AGENT", "agent", "Agent"])
    def test_sender_type_any_case(self, sender: str) -> None:
        assert Message.from_wire(frame(sender_type=sender)).sender_type is SenderType.AGENT

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2026-06-11T09:30:00Z", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11T09:30:00.1Z", datetime(2026, 6, 11, 9, 30, 0, 100000)),
            ("2026-06-11T09:30:00.123Z", datetime(2026, 6, 11, 9, 30, 0, 123000)),
            ("2026-06-11T09:30:00.123456789Z", datetime(2026, 6, 11, 9, 30, 0, 123456)),
            ("2026-06-11T09:30:00.999999999+00:00", datetime(2026, 6, 11, 9, 30, 0, 999999)),
            ("2026-06-11T11:30:00+02:00", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11T04:00:00-05:30", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11t09:30:00z", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11 09:30:00Z", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11T09:30:00", datetime(2026, 6, 11, 9, 30)),
            ("2026-06-11T09:30:00.5", datetime(2026, 6, 11, 9, 30, 0, 500000)),
            ("2026-06-12T00:30:00+15:00", datetime(2026, 6, 11, 9, 30)),
        ],
    )
    def test_timestamps(self, text: str, expected: datetime) -> None:
        parsed = Message.from_wire(frame(timestamp=text)).timestamp
        assert parsed == expected.replace(tzinfo=timezone.utc)
        assert parsed.tzinfo is timezone.utc

    def test_absent_or_null_correlation_and_metadata(self) -> None:
        for data in (frame(correlation_id=None), {**frame(), "metadata": None}):
            message = Message.from_wire(data)
            assert message.correlation_id is None
            assert message.metadata is None

    @pytest.mark.parametrize("metadata", [{}, [], "s", 0, 1.5, True, {"a": [1, {"b": None}]}])
    def test_metadata_of_any_json_type(self, metadata: Any) -> None:
        message = Message.from_wire({**frame(), "metadata": metadata})
        assert message.metadata == metadata
        assert message.to_wire()["metadata"] == metadata

    def test_unknown_fields_ignored(self) -> None:
        data = frame(extra=1)
        data["content"] = {**data["content"], "colour": "red"}
        message = Message.from_wire(data)
        assert message.content == NotificationContent("hi", NotificationPriority.HIGH)

    def test_missing_priority_is_low(self) -> None:
        content = {"type": "notification", "text": "x"}
        assert Message.from_wire(frame(content=content)).content == NotificationContent(
            "x", NotificationPriority.LOW
        )

    def test_missing_answer_is_none(self) -> None:
        content = {"type": "response", "response_type": "timeout"}
        decoded = Message.from_wire(frame(content=content)).content
        assert decoded == ResponseContent(None, ResponseType.TIMEOUT)

    def test_missing_timeout_seconds_is_zero(self) -> None:
        content = {"type": "authorization", "action": "x"}
        decoded = Message.from_wire(frame(content=content)).content
        assert decoded == AuthorizationContent("x", None, 0)

    def test_unknown_content_type(self) -> None:
        content = {"type": "stdout", "execution_id": "e", "content": "x", "sequence": 3}
        message = Message.from_wire(frame(content=content))
        assert message.content == UnknownContent(raw=content)
        assert message.content_type == "stdout"
        assert message.to_wire()["content"] == content

    def test_content_type_is_case_sensitive(self) -> None:
        content = {"type": "Notification", "text": "x"}
        assert isinstance(Message.from_wire(frame(content=content)).content, UnknownContent)

    def test_from_json_text(self) -> None:
        assert Message.from_json(json.dumps(frame())) == Message.from_wire(frame())


class TestRejections:
    @pytest.mark.parametrize("data", [None, 1, "text", [], [frame()], True, 1.5])
    def test_not_an_object(self, data: Any) -> None:
        with pytest.raises(ValidationError, match="message: expected a JSON object"):
            Message.from_wire(data)

    @pytest.mark.parametrize("key", ["id", "channel", "sender_type", "content", "timestamp"])
    def test_missing_required_field(self, key: str) -> None:
        with pytest.raises(ValidationError, match=f"message.{key}"):
            Message.from_wire(frame(**{key: None}))

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"id": "not-a-uuid"}, "message.id"),
            ({"id": 12}, "message.id"),
            ({"id": None, "channel": "x"}, "message.id"),
            ({"channel": 5}, "message.channel"),
            ({"channel": ["ops"]}, "message.channel"),
            ({"sender_type": "SYSTEM"}, "message.sender_type"),
            ({"sender_type": 1}, "message.sender_type"),
            ({"timestamp": 1718098200}, "message.timestamp"),
            ({"timestamp": "yesterday"}, "message.timestamp"),
            ({"timestamp": "2026-13-01T00:00:00Z"}, "message.timestamp"),
            ({"timestamp": "2026-06-11T24:00:00Z"}, "message.timestamp"),
            ({"timestamp": "2026-06-11T09:30:00+24:00"}, "message.timestamp"),
            ({"timestamp": "2026-06-11T09:30:00+01:60"}, "message.timestamp"),
            ({"timestamp": "2026-06-11T09:30:00.Z"}, "message.timestamp"),
            ({"timestamp": "0001-01-01T00:00:00+01:00"}, "message.timestamp"),
            ({"correlation_id": "nope"}, "message.correlation_id"),
            ({"correlation_id": 7}, "message.correlation_id"),
            ({"content": "notification"}, "message.content"),
            ({"content": {"text": "no type"}}, "message.content.type"),
            ({"content": {"type": 3}}, "message.content.type"),
            ({"content": {"type": "notification"}}, "message.content.text"),
            ({"content": {"type": "notification", "text": "x", "priority": None}}, "priority"),
            ({"content": {"type": "notification", "text": "x", "priority": "max"}}, "priority"),
            ({"content": {"type": "response", "answer": 1, "response_type": "text"}}, "answer"),
            ({"content": {"type": "response", "answer": "a"}}, "response_type"),
            ({"content": {"type": "navigate"}}, "message.content.url"),
            (
                {"content": {"type": "authorization", "action": "x", "timeout_seconds": -1}},
                "timeout_seconds",
            ),
            (
                {"content": {"type": "authorization", "action": "x", "timeout_seconds": 2**32}},
                "timeout_seconds",
            ),
            (
                {"content": {"type": "authorization", "action": "x", "timeout_seconds": True}},
                "timeout_seconds",
            ),
            (
                {"content": {"type": "authorization", "action": "x", "timeout_seconds": 1.5}},
                "timeout_seconds",
            ),
            (
                {"content": {"type": "decision", "decision_id": "d", "summary": "s"}},
                "message.content.options",
            ),
            (
                {
                    "content": {
                        "type": "decision",
                        "decision_id": "d",
                        "summary": "s",
                        "options": [{"id": "a"}],
                    }
                },
                r"message.content.options\[0\].label",
            ),
            (
                {
                    "content": {
                        "type": "decision",
                        "decision_id": "d",
                        "summary": "s",
                        "options": ["a", "b"],
                    }
                },
                r"message.content.options\[0\]",
            ),
            (
                {
                    "content": {
                        "type": "decision",
                        "decision_id": "d",
                        "summary": "s",
                        "options": [],
                        "recommendation": "a",
                    }
                },
                "message.content.recommendation",
            ),
            ({"content": {"type": "question", "text": "q", "choices": "ab"}}, "choices"),
            ({"content": {"type": "question", "text": "q", "choices": [1, 2]}}, "choices"),
            ({"content": {"type": "task_create", "task": None}}, "message.content.task"),
            (
                {"content": {"type": "task_update", "task_id": ID, "state": "x"}},
                "message.content.state",
            ),
        ],
    )
    def test_bad_field_is_named(self, overrides: Dict[str, Any], field: str) -> None:
        data = frame()
        data.update(overrides)
        data = {key: value for key, value in data.items() if value is not None}
        with pytest.raises(ValidationError, match=field):
            Message.from_wire(data)

    def test_validation_error_is_a_value_error(self) -> None:
        with pytest.raises(ValueError):
            Message.from_wire({})

    def test_long_garbage_is_truncated_in_the_error(self) -> None:
        with pytest.raises(ValidationError) as caught:
            Message.from_wire(frame(id="x" * 10_000))
        assert len(str(caught.value)) < 300


class TestEncoding:
    def test_field_order_and_forms(self) -> None:
        message = Message(
            id=UUID(ID.upper()),
            channel="ops",
            sender_type=SenderType.AGENT,
            content=AuthorizationContent("Deploy", None, 60),
            timestamp=datetime(2026, 6, 11, 11, 30, tzinfo=timezone(timedelta(hours=2))),
        )
        assert message.to_json() == (
            '{"id":"' + ID + '","channel":"ops","sender_type":"AGENT",'
            '"content":{"type":"authorization","action":"Deploy","context":null,'
            '"timeout_seconds":60},"timestamp":"2026-06-11T09:30:00Z","correlation_id":null}'
        )

    def test_decision_omits_absent_optionals(self) -> None:
        content = DecisionContent(
            decision_id="d",
            summary="s",
            options=[DecisionOption("a", "A"), DecisionOption("b", "B", "more")],
        )
        assert content.to_wire() == {
            "type": "decision",
            "decision_id": "d",
            "summary": "s",
            "options": [
                {"id": "a", "label": "A"},
                {"id": "b", "label": "B", "detail_markdown": "more"},
            ],
            "timeout_seconds": 0,
        }
        full = DecisionContent(
            "d", "s", content.options, 5, "ctx", DecisionRecommendation("a", "why")
        )
        assert list(full.to_wire()) == [
            "type",
            "decision_id",
            "summary",
            "context_markdown",
            "options",
            "recommendation",
            "timeout_seconds",
        ]

    def test_response_answer_always_present(self) -> None:
        assert ResponseContent(None, ResponseType.CANCELLED).to_wire() == {
            "type": "response",
            "answer": None,
            "response_type": "cancelled",
        }

    def test_correlation_id_and_metadata(self) -> None:
        message = Message.new(
            "ops",
            ResponseContent("a", ResponseType.TEXT),
            correlation_id=UUID(OTHER_ID),
            metadata={"k": 1},
        )
        wire = message.to_wire()
        assert wire["correlation_id"] == OTHER_ID
        assert wire["metadata"] == {"k": 1}
        assert list(wire)[-2:] == ["correlation_id", "metadata"]

    def test_naive_timestamp_is_encoded_as_utc(self) -> None:
        message = Message(
            UUID(ID), "ops", SenderType.HUMAN, NavigateContent("https://x.example"),
            datetime(2026, 1, 2, 3, 4, 5, 6000),
        )
        assert message.to_wire()["timestamp"] == "2026-01-02T03:04:05.006Z"

    def test_to_json_is_compact_and_keeps_unicode(self) -> None:
        message = Message.new("ops", NotificationContent("héllo ✓"))
        text = message.to_json()
        assert " " not in text.replace("héllo ✓", "")
        assert "héllo ✓" in text
        assert json.loads(message.to_json(ensure_ascii=True)) == message.to_wire()

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("id", "nope"),
            ("sender_type", "robot"),
            ("timestamp", 12),
            ("correlation_id", 5),
            ("content", {"type": "notification"}),
        ],
    )
    def test_loosely_built_model_fails_with_validation_error(self, field: str, value: Any) -> None:
        message = Message.new("ops", NotificationContent("x"))
        setattr(message, field, value)
        with pytest.raises(ValidationError, match=field):
            message.to_wire()

    def test_loose_but_valid_values_are_normalised(self) -> None:
        message = Message.new("ops", NotificationContent("x", "HIGH"))  # type: ignore[arg-type]
        message.id = ID.upper()  # type: ignore[assignment]
        message.sender_type = "human"  # type: ignore[assignment]
        message.timestamp = "2026-06-11T11:30:00+02:00"  # type: ignore[assignment]
        wire = message.to_wire()
        assert wire["id"] == ID
        assert wire["sender_type"] == "HUMAN"
        assert wire["timestamp"] == "2026-06-11T09:30:00Z"
        assert wire["content"]["priority"] == "high"

    @pytest.mark.parametrize("timeout", [-1, 2**32, 1.5, True, "60"])
    def test_timeout_outside_u32_is_refused(self, timeout: Any) -> None:
        with pytest.raises(ValidationError, match="timeout_seconds"):
            AuthorizationContent("x", None, timeout).to_wire()


class TestConvenience:
    def test_new(self) -> None:
        before = datetime.now(timezone.utc)
        message = Message.new("ops", NotificationContent("x"))
        after = datetime.now(timezone.utc)
        assert message.id.version == 4
        assert message.sender_type is SenderType.AGENT
        assert before <= message.timestamp <= after
        assert message.timestamp.tzinfo is timezone.utc
        assert message.correlation_id is None and message.metadata is None
        assert Message.new("ops", NotificationContent("x")).id != message.id

    def test_new_as_human(self) -> None:
        message = Message.new(
            "ops", ResponseContent("a", ResponseType.TEXT), sender_type=SenderType.HUMAN
        )
        assert message.to_wire()["sender_type"] == "HUMAN"

    def test_content_type(self) -> None:
        assert Message.new("c", NavigateContent("https://x.example")).content_type == "navigate"
        assert DecisionContent.content_type == "decision"

    def test_decision_option_lookup(self) -> None:
        content = DecisionContent("d", "s", [DecisionOption("a", "A"), DecisionOption("b", "B")])
        assert content.option("b") == DecisionOption("b", "B")
        assert content.option("c") is None

    def test_quick_start_comparison(self) -> None:
        response = ResponseContent(None, ResponseType.AUTHORIZATION_APPROVED)
        assert response.response_type == "authorization_approved"

    def test_content_from_wire_checks_type(self) -> None:
        assert NavigateContent.from_wire({"url": "u"}) == NavigateContent("u")
        assert NavigateContent.from_wire({"type": "navigate", "url": "u"}) == NavigateContent("u")
        with pytest.raises(ValidationError, match="expected 'navigate'"):
            NavigateContent.from_wire({"type": "notification", "url": "u"})

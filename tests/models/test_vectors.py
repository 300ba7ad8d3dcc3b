"""Every example frame of ``tests/data/vectors`` decodes, and encodes back exactly."""

from datetime import datetime, timezone
from typing import Any, Dict, Optional, Tuple, Type
from uuid import UUID

import pytest

from ailoop import (
    ChannelInfo,
    ChannelStats,
    DecisionContent,
    HealthInfo,
    Message,
    NotificationContent,
    NotificationPriority,
    PendingItem,
    QuestionContent,
    ResponseContent,
    ResponseType,
    SenderType,
    ServerStats,
    Task,
    TaskDependencies,
    TaskGraph,
    TaskState,
    TaskUpdateContent,
    UnknownContent,
    ValidationError,
)
from ailoop._validation import validate_decision_options
from ailoop.models._wire import WireModel
from tests.models.support import assert_wire_equal, load_vector, vector_names

# Message frames that are not edge cases, with the vector whose frame is the exact
# encoding (the server's normalised echo) when it is not the frame itself.
MESSAGE_VECTORS: Dict[str, Optional[str]] = {
    "v0_question_message.json": None,
    "v0_response_to_question.json": None,
    "v0_response_to_question_free_text.json": None,
    "v0_workflow_progress.json": None,
    "v1_authorization_message.json": None,
    "v1_decision_echo.json": None,
    "v1_decision_message.json": None,
    "v1_decision_via_http_201.json": None,
    "v1_decision_via_http_request.json": None,
    "v1_navigate_message.json": None,
    "v1_notification_201.json": None,
    "v1_notification_request.json": "v1_notification_201.json",
    "v1_response_post_200.json": None,
    "v1_response_to_authorization_approved.json": None,
    "v1_response_to_authorization_timeout.json": None,
    "v1_response_to_decision.json": None,
    "v1_response_to_decision_cancelled.json": None,
    "v1_response_to_decision_raw.json": None,
    "v1_response_to_decision_timeout.json": None,
    "v1_response_to_navigate_approved.json": None,
    "v1_response_to_navigate_timeout.json": None,
}

EDGE_MESSAGE_VECTORS = {
    "edge_decision_zero_options.json",
    "edge_extra_fields.json",
    "edge_metadata_non_object.json",
    "edge_missing_optional_fields.json",
    "edge_null_metadata.json",
    "edge_question_sent_to_v1.json",
    "edge_raw_unmatched_decision_answer.json",
    "edge_response_uncorrelated.json",
    "edge_sender_type_lowercase.json",
    "edge_task_update_content.json",
    "edge_timestamp_no_offset.json",
    "edge_unknown_content_type.json",
}

# REST bodies: (model, key of the list in the wrapper object, or None for a single object)
REST_VECTORS: Dict[str, Tuple[Type[WireModel], Optional[str]]] = {
    "health_v1.json": (HealthInfo, None),
    "health_v0_1_46.json": (HealthInfo, None),
    "health_v0_1_20.json": (HealthInfo, None),
    "stats_v1.json": (ServerStats, None),
    "channels_v1.json": (ChannelInfo, "channels"),
    "channel_stats_v1.json": (ChannelStats, None),
    "channel_messages_v1.json": (Message, "messages"),
    "pending_v1.json": (PendingItem, "items"),
    "task_created_201.json": (Task, None),
    "task_list_200.json": (Task, "tasks"),
    "task_dependencies_200.json": (TaskDependencies, None),
    "task_graph_200.json": (TaskGraph, None),
}

# Frames that are no Message and no model: hello frames, request bodies the client builds
# by hand, error bodies, a non-JSON text frame.
OTHER_VECTORS = {
    "edge_non_json_text_frame.json",
    "edge_python_subscribe_frame.json",
    "error_400_invalid_channel.json",
    "error_401_unauthorized.json",
    "error_404_fallback.json",
    "error_404_message_not_found.json",
    "error_404_response_original_not_found.json",
    "error_404_task_not_found.json",
    "error_422_bad_schema.json",
    "error_503_shutting_down.json",
    "task_create_request.json",
    "task_dependency_add_request.json",
    "task_dependency_ok_200.json",
    "task_update_request.json",
    "v1_response_post_request.json",
    "ws_viewer_hello.json",
    "ws_viewer_hello_channel_list.json",
}


def _frame(name: str) -> Any:
    return load_vector(name)["frame"]


def test_every_vector_is_classified(vectors_dir: Any) -> None:
    known = set(MESSAGE_VECTORS) | EDGE_MESSAGE_VECTORS | set(REST_VECTORS) | OTHER_VECTORS
    assert set(vector_names()) == known


def test_edge_vectors_are_the_ones_marked_edge(vectors_dir: Any) -> None:
    marked = {name for name in vector_names() if load_vector(name).get("edge_case")}
    assert marked == EDGE_MESSAGE_VECTORS | {
        "edge_non_json_text_frame.json",
        "edge_python_subscribe_frame.json",
    }


@pytest.mark.parametrize("name", sorted(MESSAGE_VECTORS))
def test_message_vector_round_trips(vectors_dir: Any, name: str) -> None:
    frame = _frame(name)
    message = Message.from_wire(frame)
    encoded = message.to_wire()
    again = Message.from_wire(encoded)
    assert again == message
    assert again.id == message.id == UUID(frame["id"])
    assert again.channel == message.channel == frame["channel"]
    assert again.sender_type is message.sender_type
    assert again.content == message.content
    assert type(again.content) is type(message.content)
    assert again.timestamp == message.timestamp
    assert again.timestamp.tzinfo is timezone.utc
    assert again.correlation_id == message.correlation_id
    assert again.metadata == message.metadata
    assert again.content_type == frame["content"]["type"]
    expected = _frame(MESSAGE_VECTORS[name] or name)
    assert_wire_equal(encoded, expected)
    assert Message.from_dict(encoded) == message


@pytest.mark.parametrize("name", sorted(MESSAGE_VECTORS))
def test_message_vector_timestamp_is_truncated_to_microseconds(
    vectors_dir: Any, name: str
) -> None:
    stamp: str = _frame(name)["timestamp"]
    message = Message.from_wire(_frame(name))
    seconds, _, rest = stamp[:19], stamp[19:20], stamp[20:]
    digits = rest.split("Z")[0].split("+")[0] if stamp[19] == "." else ""
    assert message.timestamp.microsecond == int(digits[:6].ljust(6, "0") or 0)
    if stamp.endswith(("Z", "+00:00")):
        assert message.timestamp.strftime("%Y-%m-%dT%H:%M:%S") == seconds


@pytest.mark.parametrize("name", sorted(REST_VECTORS))
def test_rest_vector_decodes_and_encodes_back(vectors_dir: Any, name: str) -> None:
    model, key = REST_VECTORS[name]
    frame = _frame(name)
    if key is None:
        decoded = model.from_wire(frame)
        assert isinstance(decoded, model)
        assert_wire_equal(decoded.to_wire(), frame)
        assert model.from_wire(decoded.to_wire()) == decoded
        assert model.from_dict(decoded.to_dict()) == decoded
    else:
        items = model.from_wire_list(frame, key)
        assert len(items) == len(frame[key])
        assert all(isinstance(item, model) for item in items)
        assert_wire_equal([item.to_wire() for item in items], frame[key])


@pytest.mark.parametrize("name", sorted(OTHER_VECTORS))
def test_non_message_frames_raise_validation_error(vectors_dir: Any, name: str) -> None:
    with pytest.raises(ValidationError):
        Message.from_wire(_frame(name))


def test_edge_decision_zero_options_decodes_but_fails_validation(vectors_dir: Any) -> None:
    frame = _frame("edge_decision_zero_options.json")
    message = Message.from_wire(frame)
    assert isinstance(message.content, DecisionContent)
    assert message.content.options == []
    assert message.content.timeout_seconds == 0
    assert_wire_equal(message.to_wire(), frame)
    with pytest.raises(ValidationError, match="at least 2"):
        validate_decision_options(message.content.options)


def test_edge_extra_fields_are_ignored_and_extra_metadata_kept(vectors_dir: Any) -> None:
    frame = _frame("edge_extra_fields.json")
    message = Message.from_wire(frame)
    assert message.content == ResponseContent(answer="canary", response_type=ResponseType.TEXT)
    assert message.metadata == frame["metadata"]
    wire = message.to_wire()
    assert "server_hint" not in wire and "priority" not in wire
    assert "confidence" not in wire["content"]
    assert wire["metadata"]["source"] == "telegram"


def test_edge_metadata_non_object_is_kept(vectors_dir: Any) -> None:
    frame = _frame("edge_metadata_non_object.json")
    message = Message.from_wire(frame)
    assert message.metadata == ["ci", "nightly"]
    assert_wire_equal(message.to_wire(), frame)


def test_edge_missing_optional_fields_read_as_none(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("edge_missing_optional_fields.json"))
    assert message.correlation_id is None
    assert message.metadata is None
    assert message.content == ResponseContent(None, ResponseType.AUTHORIZATION_DENIED)
    wire = message.to_wire()
    assert wire["correlation_id"] is None
    assert wire["content"] == {
        "type": "response",
        "answer": None,
        "response_type": "authorization_denied",
    }
    assert "metadata" not in wire


def test_edge_null_metadata_and_short_fraction(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("edge_null_metadata.json"))
    assert message.metadata is None
    assert message.timestamp == datetime(2026, 6, 11, 9, 41, 0, 500000, timezone.utc)
    wire = message.to_wire()
    assert "metadata" not in wire
    assert wire["timestamp"] == "2026-06-11T09:41:00.500Z"
    assert message.content == NotificationContent("Disk 91% full", NotificationPriority.HIGH)


def test_edge_question_sent_to_v1_decodes_as_question(vectors_dir: Any) -> None:
    frame = _frame("edge_question_sent_to_v1.json")
    message = Message.from_wire(frame)
    assert message.content == QuestionContent("Which color?", 60, ["Red", "Blue", "Green"])
    assert_wire_equal(message.to_wire(), frame)


def test_edge_raw_unmatched_answer_keeps_nanosecond_timestamp_truncated(
    vectors_dir: Any,
) -> None:
    message = Message.from_wire(_frame("edge_raw_unmatched_decision_answer.json"))
    assert message.timestamp == datetime(2026, 6, 11, 9, 45, tzinfo=timezone.utc)
    assert message.to_wire()["timestamp"] == "2026-06-11T09:45:00Z"
    assert message.content == ResponseContent("maybe later", ResponseType.TEXT)
    assert message.correlation_id == UUID("3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234")


def test_edge_response_uncorrelated_is_an_ordinary_message(vectors_dir: Any) -> None:
    frame = _frame("edge_response_uncorrelated.json")
    message = Message.from_wire(frame)
    assert message.sender_type is SenderType.HUMAN
    assert_wire_equal(message.to_wire(), frame)


def test_edge_lowercase_sender_type_is_accepted_and_sent_upper_case(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("edge_sender_type_lowercase.json"))
    assert message.sender_type is SenderType.AGENT
    wire = message.to_wire()
    assert wire["sender_type"] == "AGENT"
    assert wire["correlation_id"] is None
    assert "metadata" not in wire


def test_edge_task_update_content(vectors_dir: Any) -> None:
    frame = _frame("edge_task_update_content.json")
    message = Message.from_wire(frame)
    assert message.content == TaskUpdateContent(
        task_id=UUID("7d0e2c5a-3b1f-4a6e-9d8c-1f2e3d4c5b6a"),
        state=TaskState.DONE,
        updated_at=datetime(2026, 6, 11, 10, 5, tzinfo=timezone.utc),
    )
    assert_wire_equal(message.to_wire(), frame)


def test_edge_naive_timestamp_is_taken_as_utc_and_sent_with_offset(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("edge_timestamp_no_offset.json"))
    assert message.timestamp == datetime(2026, 6, 11, 9, 46, 0, 123456, timezone.utc)
    assert message.to_wire()["timestamp"] == "2026-06-11T09:46:00.123456Z"


def test_edge_unknown_content_type_is_kept_raw(vectors_dir: Any) -> None:
    frame = _frame("edge_unknown_content_type.json")
    message = Message.from_wire(frame)
    assert isinstance(message.content, UnknownContent)
    assert message.content.raw == frame["content"]
    assert message.content_type == "poll"
    assert_wire_equal(message.to_wire(), frame)


def test_workflow_vector_is_unknown_content(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("v0_workflow_progress.json"))
    assert isinstance(message.content, UnknownContent)
    assert message.content.raw["progress_percentage"] == 40


def test_canonical_decision_response_metadata(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("v1_response_to_decision.json"))
    assert message.metadata == {"option_id": "blue-green", "label": "Blue/Green", "index": 0}
    assert message.content.response_type == "text"  # type: ignore[union-attr]


def test_authorization_timeout_arrives_as_denied(vectors_dir: Any) -> None:
    message = Message.from_wire(_frame("v1_response_to_authorization_timeout.json"))
    assert isinstance(message.content, ResponseContent)
    assert message.content.response_type is ResponseType.AUTHORIZATION_DENIED
    assert message.content.answer is None


def test_channel_listing_timestamps_keep_the_plus_zero_form(vectors_dir: Any) -> None:
    frame = _frame("channels_v1.json")
    channels = ChannelInfo.from_wire_list(frame, "channels")
    assert channels[1].oldest_message == datetime(2026, 6, 11, 9, 30, tzinfo=timezone.utc)
    assert channels[0].to_wire()["newest_message"] == "2026-06-11T09:30:00.123456+00:00"


def test_unknown_channel_stats_are_null(vectors_dir: Any) -> None:
    stats = ChannelStats.from_wire(_frame("channel_stats_v1.json"))
    assert stats == ChannelStats("nowhere", 0, None, None)


def test_health_versions(vectors_dir: Any) -> None:
    assert HealthInfo.from_wire(_frame("health_v1.json")).version == "1.0.0"
    assert HealthInfo.from_wire(_frame("health_v0_1_46.json")).version == "0.1.42"
    assert HealthInfo.from_wire(_frame("health_v0_1_20.json")).extra == {}


def test_task_graph_parents(vectors_dir: Any) -> None:
    graph = TaskGraph.from_wire(_frame("task_graph_200.json"))
    assert graph.task.blocked is True
    assert graph.task.depends_on == [graph.parents[0].id]
    assert graph.parents[0].assignee is None and graph.parents[0].metadata is None
    assert graph.children == []

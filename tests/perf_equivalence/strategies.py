"""Hypothesis strategies: wire JSON for every model, in every form a server may send it.

Valid objects carry every field the real server always emits, optional fields present or
absent, unknown extra fields, enum values in any letter case, UUIDs in every form the
``uuid`` module reads and timestamps with any offset and 0-9 fractional digits.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List

from hypothesis import strategies as st

from ailoop.models import (
    AuthorizationContent,
    ChannelInfo,
    ChannelStats,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    DependencyType,
    HealthInfo,
    Message,
    NavigateContent,
    NotificationContent,
    NotificationPriority,
    PendingItem,
    QuestionContent,
    ResponseContent,
    ResponseType,
    SenderType,
    ServerStats,
    Task,
    TaskCreateContent,
    TaskDependencies,
    TaskDependencyAddContent,
    TaskDependencyRemoveContent,
    TaskGraph,
    TaskState,
    TaskUpdateContent,
    UnknownContent,
)

U32_MAX = 4_294_967_295
Obj = Dict[str, Any]

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=8), children, max_size=4),
    ),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=6)
texts = st.text(max_size=20)
u32 = st.integers(min_value=0, max_value=U32_MAX)
counts = st.integers(min_value=0, max_value=2**40)


@st.composite
def uuid_texts(draw: st.DrawFn) -> str:
    """A UUID in one of the forms ``uuid.UUID`` accepts (the server's too)."""
    value = draw(st.uuids())
    form = draw(st.sampled_from(["hyphen", "upper", "simple", "urn", "braced"]))
    if form == "upper":
        return str(value).upper()
    if form == "simple":
        return value.hex
    if form == "urn":
        return value.urn
    if form == "braced":
        return "{" + str(value) + "}"
    return str(value)


@st.composite
def timestamp_texts(draw: st.DrawFn) -> str:
    """An RFC 3339 timestamp: ``Z``, ``+00:00`` or another offset, 0-9 fraction digits."""
    moment = draw(
        st.datetimes(
            min_value=datetime.datetime(1971, 1, 2),
            max_value=datetime.datetime(9998, 12, 30),
        )
    )
    digits = draw(st.sampled_from([0, 3, 6, 9]))
    fraction = f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + ("." + fraction if digits else "")
    offset = draw(st.sampled_from(["Z", "z", "+00:00", "+05:30", "-08:00", "+0100"]))
    return text + offset


def enum_texts(enum: Any) -> st.SearchStrategy[str]:
    """A member's wire value in its own, upper or lower case."""
    return st.builds(
        lambda member, case: case(member.value),
        st.sampled_from(list(enum)),
        st.sampled_from([str, str.upper, str.lower]),
    )


def _model(
    required: Dict[str, st.SearchStrategy[Any]],
    optional: Dict[str, st.SearchStrategy[Any]],
) -> st.SearchStrategy[Obj]:
    """An object with ``required`` keys, some ``optional`` keys and unknown extra keys."""
    known = set(required) | set(optional)
    extras = st.dictionaries(
        st.text(min_size=1, max_size=10).filter(lambda key: key not in known),
        json_values,
        max_size=2,
    )
    return st.builds(
        lambda base, extra: {**extra, **base},
        st.fixed_dictionaries(required, optional=optional),
        extras,
    )


def _typed(content_type: str, required: Dict[str, Any], optional: Dict[str, Any]) -> Any:
    return _model({"type": st.just(content_type), **required}, optional)


options = _model({"id": texts, "label": texts}, {"detail_markdown": st.none() | texts})
recommendations = _model({"option_id": texts}, {"rationale_markdown": st.none() | texts})
tasks = _model(
    {
        "id": uuid_texts(),
        "title": texts,
        "description": texts,
        "state": enum_texts(TaskState),
        "created_at": timestamp_texts(),
        "updated_at": timestamp_texts(),
        "assignee": st.none() | texts,
        "metadata": json_values,
        "depends_on": st.lists(uuid_texts(), max_size=3),
        "blocking_for": st.lists(uuid_texts(), max_size=3),
        "blocked": st.booleans(),
        "dependency_type": st.none() | enum_texts(DependencyType),
    },
    {},
)
contents: Dict[type, st.SearchStrategy[Obj]] = {
    QuestionContent: _typed(
        "question",
        {"text": texts},
        {"timeout_seconds": u32, "choices": st.none() | st.lists(texts, max_size=4)},
    ),
    DecisionContent: _typed(
        "decision",
        {"decision_id": texts, "summary": texts, "options": st.lists(options, max_size=4)},
        {
            "timeout_seconds": u32,
            "context_markdown": st.none() | texts,
            "recommendation": st.none() | recommendations,
        },
    ),
    AuthorizationContent: _typed(
        "authorization", {"action": texts}, {"context": json_values, "timeout_seconds": u32}
    ),
    NotificationContent: _typed(
        "notification", {"text": texts}, {"priority": enum_texts(NotificationPriority)}
    ),
    ResponseContent: _typed(
        "response", {"answer": st.none() | texts, "response_type": enum_texts(ResponseType)}, {}
    ),
    NavigateContent: _typed("navigate", {"url": texts}, {}),
    TaskCreateContent: _typed("task_create", {"task": tasks}, {}),
    TaskUpdateContent: _typed(
        "task_update",
        {
            "task_id": uuid_texts(),
            "state": enum_texts(TaskState),
            "updated_at": timestamp_texts(),
        },
        {},
    ),
    TaskDependencyAddContent: _typed(
        "task_dependency_add",
        {
            "task_id": uuid_texts(),
            "depends_on": uuid_texts(),
            "dependency_type": enum_texts(DependencyType),
            "timestamp": timestamp_texts(),
        },
        {},
    ),
    TaskDependencyRemoveContent: _typed(
        "task_dependency_remove",
        {"task_id": uuid_texts(), "depends_on": uuid_texts(), "timestamp": timestamp_texts()},
        {},
    ),
    UnknownContent: st.builds(
        lambda kind, rest: {**rest, "type": kind},
        st.text(min_size=1, max_size=12).filter(
            lambda kind: (
                kind
                not in {
                    "question",
                    "decision",
                    "authorization",
                    "notification",
                    "response",
                    "navigate",
                    "task_create",
                    "task_update",
                    "task_dependency_add",
                    "task_dependency_remove",
                }
            )
        ),
        json_objects,
    ),
}
messages = _model(
    {
        "id": uuid_texts(),
        "channel": texts,
        "sender_type": enum_texts(SenderType),
        "content": st.one_of(list(contents.values())),
        "timestamp": timestamp_texts(),
    },
    {"correlation_id": st.none() | uuid_texts(), "metadata": json_values},
)
listing_timestamp = st.none() | timestamp_texts()

#: Every model class -> a strategy of valid wire objects for it.
VALID: Dict[type, st.SearchStrategy[Obj]] = {
    Message: messages,
    **contents,
    DecisionOption: options,
    DecisionRecommendation: recommendations,
    Task: tasks,
    HealthInfo: _model(
        {
            "status": texts,
            "version": texts,
            "active_connections": counts,
            "queue_size": counts,
            "active_channels": counts,
        },
        {},
    ),
    ServerStats: _model(
        {
            "total_viewers": counts,
            "agent_connections": counts,
            "viewer_connections": counts,
            "active_channels": counts,
        },
        {},
    ),
    ChannelInfo: _model(
        {"name": texts, "message_count": counts},
        {"oldest_message": listing_timestamp, "newest_message": listing_timestamp},
    ),
    ChannelStats: _model(
        {"channel": texts, "message_count": counts},
        {"oldest_message": listing_timestamp, "newest_message": listing_timestamp},
    ),
    PendingItem: _model(
        {
            "message_id": uuid_texts(),
            "kind": texts,
            "channel": texts,
            "position": counts,
            "label": texts,
        },
        {},
    ),
    TaskDependencies: _model(
        {
            "task_id": uuid_texts(),
            "depends_on": st.lists(uuid_texts(), max_size=3),
            "blocking_for": st.lists(uuid_texts(), max_size=3),
        },
        {},
    ),
    TaskGraph: _model(
        {
            "task": tasks,
            "parents": st.lists(tasks, max_size=2),
            "children": st.lists(tasks, max_size=2),
        },
        {},
    ),
}


def _mutate(obj: Obj, key: str, action: str, value: Any) -> Obj:
    changed = dict(obj)
    if action == "delete":
        changed.pop(key, None)
    else:
        changed[key] = value
    return changed


def mutated(valid: st.SearchStrategy[Obj]) -> st.SearchStrategy[Obj]:
    """A valid object with one field deleted or replaced by arbitrary JSON."""

    @st.composite
    def build(draw: st.DrawFn) -> Obj:
        obj = draw(valid)
        keys: List[str] = sorted(obj) or ["type"]
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["delete", "replace"]))
        return _mutate(obj, key, action, draw(json_values))

    return build()


def arbitrary_inputs(model: type) -> st.SearchStrategy[Any]:
    """Anything a hostile or buggy server could send where ``model`` is expected."""
    return st.one_of(
        json_values, json_objects, mutated(VALID[model]), mutated(mutated(VALID[model]))
    )


def _server_uuid() -> st.SearchStrategy[str]:
    return st.uuids().map(str)


@st.composite
def server_timestamps(draw: st.DrawFn) -> str:
    """A timestamp exactly as the real server writes it: UTC, ``Z``, 0/3/6/9 digits."""
    moment = draw(
        st.datetimes(
            min_value=datetime.datetime(1971, 1, 2),
            max_value=datetime.datetime(9998, 12, 30),
        )
    )
    digits = draw(st.sampled_from([0, 3, 6, 9]))
    fraction = f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ("." + fraction if digits else "") + "Z"


def _lower_enum(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


_server_options = st.fixed_dictionaries(
    {"id": texts, "label": texts}, optional={"detail_markdown": texts}
)
_server_contents = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just("decision"),
            "decision_id": texts,
            "summary": texts,
            "options": st.lists(_server_options, max_size=4),
            "timeout_seconds": u32,
        },
        optional={
            "context_markdown": texts,
            "recommendation": st.fixed_dictionaries(
                {"option_id": texts}, optional={"rationale_markdown": texts}
            ),
        },
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("authorization"),
            "action": texts,
            "context": json_values,
            "timeout_seconds": u32,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("notification"),
            "text": texts,
            "priority": _lower_enum(NotificationPriority),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just("response"),
            "answer": st.none() | texts,
            "response_type": _lower_enum(ResponseType),
        }
    ),
    st.fixed_dictionaries({"type": st.just("navigate"), "url": texts}),
)

#: Messages exactly as the real server serializes them (the realtime hot path's input).
server_messages = st.fixed_dictionaries(
    {
        "id": _server_uuid(),
        "channel": texts,
        "sender_type": st.sampled_from(["AGENT", "HUMAN"]),
        "content": _server_contents,
        "timestamp": server_timestamps(),
        "correlation_id": st.none() | _server_uuid(),
    },
    optional={"metadata": json_values},
)

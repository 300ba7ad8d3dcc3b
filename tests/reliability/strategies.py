"""Hypothesis strategies for the hostile-input tests: JSON values, wire-shaped objects
with random holes, and valid instances of every model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict

from hypothesis import strategies as st

from ailoop import (
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
KNOWN_CONTENT_TYPES = frozenset(
    {
        "decision",
        "authorization",
        "notification",
        "response",
        "navigate",
        "question",
        "task_create",
        "task_update",
        "task_dependency_add",
        "task_dependency_remove",
    }
)

# --- raw JSON --------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
)
"""JSON scalars as ``json.loads`` returns them (NaN aside: it never equals itself)."""

json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=25,
)
"""Any JSON value: scalars, lists and objects nested a few levels."""

# --- wire-shaped objects with random holes -----------------------------------------------


def _mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` about seven times in eight, else ``rare``."""
    return st.integers(min_value=0, max_value=7).flatmap(lambda roll: rare if roll == 3 else usual)


uuid_texts = _mostly(
    st.one_of(
        st.uuids().map(str),
        st.uuids().map(lambda u: u.hex.upper()),
        st.uuids().map(lambda u: f"{{{u}}}"),
        st.uuids().map(lambda u: u.urn),
    ),
    st.text(max_size=40),
)
timestamp_texts = _mostly(
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()),
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,12})?"
        r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\Z"
    )
    | st.text(max_size=40),
)


def _maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, sometimes any JSON value at all."""
    return _mostly(valid, json_values)


def _object(required: Dict[str, Any], optional: Dict[str, Any]) -> st.SearchStrategy[Any]:
    """An object with plausible-or-garbage fields, some left out, plus stray keys."""
    return st.builds(
        lambda base, extra: {**extra, **base},
        st.fixed_dictionaries(
            {key: _maybe(value) for key, value in required.items()},
            optional={key: _maybe(value) for key, value in optional.items()},
        ),
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    )


_u32_ish = st.integers(min_value=-5, max_value=U32_MAX + 5) | st.just(U32_MAX)
_option_like = _object(
    {"id": st.text(max_size=8), "label": st.text(max_size=8)},
    {"detail_markdown": st.text(max_size=8)},
)
_task_like = _object(
    {
        "id": uuid_texts,
        "title": st.text(max_size=8),
        "description": st.text(max_size=8),
        "state": st.sampled_from(["pending", "done", "abandoned", "DONE", "blocked"]),
        "created_at": timestamp_texts,
        "updated_at": timestamp_texts,
    },
    {
        "assignee": st.none() | st.text(max_size=8),
        "metadata": json_values,
        "depends_on": st.lists(uuid_texts, max_size=3),
        "blocking_for": st.lists(uuid_texts, max_size=3),
        "blocked": st.booleans(),
        "dependency_type": st.sampled_from(["blocks", "related", "parent", "other"]),
    },
)


def _content_like(
    content_type: str, required: Dict[str, Any], optional: Dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _object({"type": st.just(content_type), **required}, optional)


content_like = st.one_of(
    _content_like(
        "decision",
        {
            "decision_id": st.text(max_size=8),
            "summary": st.text(max_size=8),
            "options": st.lists(_option_like, max_size=4),
            "timeout_seconds": _u32_ish,
        },
        {
            "context_markdown": st.text(max_size=8),
            "recommendation": _object(
                {"option_id": st.text(max_size=8)}, {"rationale_markdown": st.text(max_size=8)}
            ),
        },
    ),
    _content_like(
        "authorization",
        {"action": st.text(max_size=8), "timeout_seconds": _u32_ish},
        {"context": json_values},
    ),
    _content_like(
        "notification",
        {"text": st.text(max_size=8)},
        {"priority": st.sampled_from(["low", "normal", "HIGH", "urgent", "meh"])},
    ),
    _content_like(
        "response",
        {"response_type": st.sampled_from([t.value for t in ResponseType] + ["approved", "TEXT"])},
        {"answer": st.none() | st.text(max_size=8)},
    ),
    _content_like("navigate", {"url": st.text(max_size=20)}, {}),
    _content_like(
        "question",
        {"text": st.text(max_size=8)},
        {"timeout_seconds": _u32_ish, "choices": st.lists(st.text(max_size=5))},
    ),
    _content_like("task_create", {"task": _task_like}, {}),
    _content_like(
        "task_update",
        {
            "task_id": uuid_texts,
            "updated_at": timestamp_texts,
            "state": st.sampled_from(["pending", "done", "x"]),
        },
        {},
    ),
    _content_like(
        "task_dependency_add",
        {
            "task_id": uuid_texts,
            "depends_on": uuid_texts,
            "timestamp": timestamp_texts,
            "dependency_type": st.sampled_from(["blocks", "related", "parent", "x"]),
        },
        {},
    ),
    _content_like(
        "task_dependency_remove",
        {"task_id": uuid_texts, "depends_on": uuid_texts, "timestamp": timestamp_texts},
        {},
    ),
    _content_like("workflow_progress", {"step": st.text(max_size=8)}, {}),
    json_values,
)
"""Content objects of every known type (and some unknown ones), fields often wrong."""

message_like = _object(
    {
        "id": uuid_texts,
        "channel": st.text(max_size=10),
        "sender_type": st.sampled_from(["AGENT", "HUMAN", "agent", "Human", "SYSTEM"]),
        "content": content_like,
        "timestamp": timestamp_texts,
    },
    {"correlation_id": st.none() | uuid_texts, "metadata": json_values},
)
"""Objects shaped like a Message whose every field may be missing, wrong or extra."""

# --- valid model instances ---------------------------------------------------------------

_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware_datetimes = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=_offsets
)
"""Aware datetimes at microsecond precision in any fixed offset."""

texts = st.text(max_size=30)
u32 = st.integers(min_value=0, max_value=U32_MAX)
counts = st.integers(min_value=0, max_value=2**40)
metadata_values = st.none() | json_values

decision_options = st.builds(
    DecisionOption, id=texts, label=texts, detail_markdown=st.none() | texts
)
tasks = st.builds(
    Task,
    id=st.uuids(),
    title=texts,
    description=texts,
    state=st.sampled_from(TaskState),
    created_at=aware_datetimes,
    updated_at=aware_datetimes,
    assignee=st.none() | texts,
    metadata=metadata_values,
    depends_on=st.lists(st.uuids(), max_size=3),
    blocking_for=st.lists(st.uuids(), max_size=3),
    blocked=st.booleans(),
    dependency_type=st.none() | st.sampled_from(DependencyType),
)

contents = st.one_of(
    st.builds(
        QuestionContent,
        text=texts,
        timeout_seconds=u32,
        choices=st.none() | st.lists(texts, max_size=4),
    ),
    st.builds(
        DecisionContent,
        decision_id=texts,
        summary=texts,
        options=st.lists(decision_options, max_size=4),
        timeout_seconds=u32,
        context_markdown=st.none() | texts,
        recommendation=st.none()
        | st.builds(DecisionRecommendation, option_id=texts, rationale_markdown=st.none() | texts),
    ),
    st.builds(AuthorizationContent, action=texts, context=metadata_values, timeout_seconds=u32),
    st.builds(NotificationContent, text=texts, priority=st.sampled_from(NotificationPriority)),
    st.builds(
        ResponseContent, answer=st.none() | texts, response_type=st.sampled_from(ResponseType)
    ),
    st.builds(NavigateContent, url=texts),
    st.builds(TaskCreateContent, task=tasks),
    st.builds(
        TaskUpdateContent,
        task_id=st.uuids(),
        state=st.sampled_from(TaskState),
        updated_at=aware_datetimes,
    ),
    st.builds(
        TaskDependencyAddContent,
        task_id=st.uuids(),
        depends_on=st.uuids(),
        dependency_type=st.sampled_from(DependencyType),
        timestamp=aware_datetimes,
    ),
    st.builds(
        TaskDependencyRemoveContent,
        task_id=st.uuids(),
        depends_on=st.uuids(),
        timestamp=aware_datetimes,
    ),
    st.builds(
        lambda kind, fields: UnknownContent(raw={**fields, "type": kind}),
        st.text(min_size=1, max_size=20).filter(lambda kind: kind not in KNOWN_CONTENT_TYPES),
        st.dictionaries(texts, json_values, max_size=4),
    ),
)
"""Every content class, with any field values the wire can carry."""

messages = st.builds(
    Message,
    id=st.uuids(),
    channel=texts,
    sender_type=st.sampled_from(SenderType),
    content=contents,
    timestamp=aware_datetimes,
    correlation_id=st.none() | st.uuids(),
    metadata=metadata_values,
)

_health_keys = {"status", "version", "active_connections", "queue_size", "active_channels"}
_optional_datetimes = st.none() | aware_datetimes

models = st.one_of(
    messages,
    contents,
    tasks,
    decision_options,
    st.builds(DecisionRecommendation, option_id=texts, rationale_markdown=st.none() | texts),
    st.builds(
        HealthInfo,
        status=texts,
        version=texts,
        active_connections=counts,
        queue_size=counts,
        active_channels=counts,
        extra=st.dictionaries(
            texts.filter(lambda key: key not in _health_keys), json_values, max_size=3
        ),
    ),
    st.builds(
        ServerStats,
        total_viewers=counts,
        agent_connections=counts,
        viewer_connections=counts,
        active_channels=counts,
    ),
    st.builds(
        ChannelInfo,
        name=texts,
        message_count=counts,
        oldest_message=_optional_datetimes,
        newest_message=_optional_datetimes,
    ),
    st.builds(
        ChannelStats,
        channel=texts,
        message_count=counts,
        oldest_message=_optional_datetimes,
        newest_message=_optional_datetimes,
    ),
    st.builds(
        PendingItem, message_id=st.uuids(), kind=texts, channel=texts, position=counts, label=texts
    ),
    st.builds(
        TaskDependencies,
        task_id=st.uuids(),
        depends_on=st.lists(st.uuids(), max_size=3),
        blocking_for=st.lists(st.uuids(), max_size=3),
    ),
    st.builds(
        TaskGraph,
        task=tasks,
        parents=st.lists(tasks, max_size=2),
        children=st.lists(tasks, max_size=2),
    ),
)
"""A valid instance of any model class the SDK exports."""

"""Hypothesis strategies: valid models of every kind, and arbitrary JSON."""

from datetime import datetime, timezone
from typing import Any, Dict, List, Tuple

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
from ailoop.models._wire import U32_MAX

KNOWN_TYPES = {
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

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
"""Any JSON document as ``json.loads`` returns it."""

texts = st.text(max_size=30)
counts = st.integers(min_value=0, max_value=2**40)
u32 = st.integers(min_value=0, max_value=U32_MAX)
timestamps = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)
).map(lambda moment: moment.replace(tzinfo=timezone.utc))
optional_json = st.none() | json_values.filter(lambda value: value is not None)
optional_texts = st.none() | texts

options = st.builds(DecisionOption, id=texts, label=texts, detail_markdown=optional_texts)
recommendations = st.builds(
    DecisionRecommendation, option_id=texts, rationale_markdown=optional_texts
)

tasks = st.builds(
    Task,
    id=st.uuids(),
    title=texts,
    description=texts,
    state=st.sampled_from(TaskState),
    created_at=timestamps,
    updated_at=timestamps,
    assignee=optional_texts,
    metadata=optional_json,
    depends_on=st.lists(st.uuids(), max_size=3),
    blocking_for=st.lists(st.uuids(), max_size=3),
    blocked=st.booleans(),
    dependency_type=st.none() | st.sampled_from(DependencyType),
)


def _unknown_raw(extra: Dict[str, Any], type_name: str) -> Dict[str, Any]:
    return {**extra, "type": type_name}


unknown_contents = st.builds(
    _unknown_raw,
    st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    texts.filter(lambda name: name not in KNOWN_TYPES),
).map(lambda raw: UnknownContent(raw=raw))

contents = st.one_of(
    st.builds(
        DecisionContent,
        decision_id=texts,
        summary=texts,
        options=st.lists(options, max_size=4),
        timeout_seconds=u32,
        context_markdown=optional_texts,
        recommendation=st.none() | recommendations,
    ),
    st.builds(AuthorizationContent, action=texts, context=optional_json, timeout_seconds=u32),
    st.builds(NotificationContent, text=texts, priority=st.sampled_from(NotificationPriority)),
    st.builds(ResponseContent, answer=optional_texts, response_type=st.sampled_from(ResponseType)),
    st.builds(NavigateContent, url=texts),
    st.builds(
        QuestionContent,
        text=texts,
        timeout_seconds=u32,
        choices=st.none() | st.lists(texts, max_size=4),
    ),
    st.builds(TaskCreateContent, task=tasks),
    st.builds(
        TaskUpdateContent,
        task_id=st.uuids(),
        state=st.sampled_from(TaskState),
        updated_at=timestamps,
    ),
    st.builds(
        TaskDependencyAddContent,
        task_id=st.uuids(),
        depends_on=st.uuids(),
        dependency_type=st.sampled_from(DependencyType),
        timestamp=timestamps,
    ),
    st.builds(
        TaskDependencyRemoveContent,
        task_id=st.uuids(),
        depends_on=st.uuids(),
        timestamp=timestamps,
    ),
    unknown_contents,
)

messages = st.builds(
    Message,
    id=st.uuids(),
    channel=texts,
    sender_type=st.sampled_from(SenderType),
    content=contents,
    timestamp=timestamps,
    correlation_id=st.none() | st.uuids(),
    metadata=optional_json,
)

optional_timestamps = st.none() | timestamps
rest_models = st.one_of(
    st.builds(
        HealthInfo,
        status=texts,
        version=texts,
        active_connections=counts,
        queue_size=counts,
        active_channels=counts,
        extra=st.dictionaries(
            st.text(max_size=8).filter(
                lambda key: key
                not in {"status", "version", "active_connections", "queue_size", "active_channels"}
            ),
            json_values,
            max_size=3,
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
        oldest_message=optional_timestamps,
        newest_message=optional_timestamps,
    ),
    st.builds(
        ChannelStats,
        channel=texts,
        message_count=counts,
        oldest_message=optional_timestamps,
        newest_message=optional_timestamps,
    ),
    st.builds(
        PendingItem,
        message_id=st.uuids(),
        kind=st.sampled_from(["decision", "authorize", "navigate"]),
        channel=texts,
        position=counts,
        label=texts,
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
    tasks,
)
"""Every REST model and ``Task``."""


def _slots(document: Any) -> List[Tuple[Any, Any]]:
    """Every (container, key-or-index) pair inside a JSON document."""
    found: List[Tuple[Any, Any]] = []
    if isinstance(document, dict):
        for key, value in document.items():
            found.append((document, key))
            found.extend(_slots(value))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.append((document, index))
            found.extend(_slots(value))
    return found


@st.composite
def corrupted_wire(draw: st.DrawFn, models: st.SearchStrategy[Any]) -> Any:
    """The wire form of a valid model with one to three places deleted or replaced."""
    document = draw(models).to_wire()
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        slots = _slots(document)
        if not slots:
            break
        container, key = draw(st.sampled_from(slots))
        if isinstance(container, dict) and draw(st.booleans()):
            del container[key]
        else:
            container[key] = draw(json_values)
    return document


corrupted_messages = corrupted_wire(messages)
"""Message frames with a few fields broken: reaches every decoder."""

corrupted_rest_bodies = corrupted_wire(rest_models)
"""REST bodies with a few fields broken."""

"""Hypothesis strategies shared by the test suites.

Four families, one section each:

* arbitrary JSON (``json_values``, ``json_objects``);
* valid model instances (``messages``, ``rest_models``, ``models``) and their wire forms with
  a few places broken (``corrupted_messages``, ``corrupted_rest_bodies``);
* valid wire objects in every form a server may send them (``VALID_WIRE``: UUIDs in every
  form, timestamps with any offset and 0-9 fraction digits, enum values in any letter case,
  optional fields present or absent, unknown extra keys), the same broken
  (``arbitrary_inputs``), and messages exactly as the real server writes them
  (``server_messages``);
* hostile shapes: objects shaped like a message or a content whose every field may be
  missing, wrong or extra (``message_like``, ``content_like``).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Sequence, Tuple

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
from ailoop.models._content import _KNOWN_CONTENT
from ailoop.models._wire import U32_MAX

Obj = Dict[str, Any]

KNOWN_CONTENT_TYPES = frozenset(_KNOWN_CONTENT)
"""Every content ``type`` the SDK decodes into its own class."""

# --- arbitrary JSON ----------------------------------------------------------------------

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

json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=6)
"""Any JSON object."""

texts = st.text(max_size=30)
counts = st.integers(min_value=0, max_value=2**40)
u32 = st.integers(min_value=0, max_value=U32_MAX)

# --- valid model instances ---------------------------------------------------------------

_offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
_utc_datetimes = st.datetimes(
    min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999999)
).map(lambda moment: moment.replace(tzinfo=timezone.utc))
_offset_datetimes = st.datetimes(
    min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31), timezones=_offsets
)
timestamps = _utc_datetimes | _offset_datetimes
"""Aware datetimes at microsecond precision: UTC over the whole range, or any fixed offset."""

optional_json = st.none() | json_values
optional_texts = st.none() | texts
optional_timestamps = st.none() | timestamps

decision_options = st.builds(DecisionOption, id=texts, label=texts, detail_markdown=optional_texts)
decision_recommendations = st.builds(
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

unknown_contents = st.builds(
    lambda kind, fields: UnknownContent(raw={**fields, "type": kind}),
    texts.filter(lambda kind: kind not in KNOWN_CONTENT_TYPES),
    st.dictionaries(texts, json_values, max_size=4),
)
"""Contents of a ``type`` the SDK does not know, any extra fields."""

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
        context_markdown=optional_texts,
        recommendation=st.none() | decision_recommendations,
    ),
    st.builds(AuthorizationContent, action=texts, context=optional_json, timeout_seconds=u32),
    st.builds(NotificationContent, text=texts, priority=st.sampled_from(NotificationPriority)),
    st.builds(ResponseContent, answer=optional_texts, response_type=st.sampled_from(ResponseType)),
    st.builds(NavigateContent, url=texts),
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
"""Every content class, with any field values the wire can carry."""

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

_HEALTH_KEYS = {"status", "version", "active_connections", "queue_size", "active_channels"}

rest_models = st.one_of(
    st.builds(
        HealthInfo,
        status=texts,
        version=texts,
        active_connections=counts,
        queue_size=counts,
        active_channels=counts,
        extra=st.dictionaries(
            texts.filter(lambda key: key not in _HEALTH_KEYS), json_values, max_size=3
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
        kind=st.sampled_from(["decision", "authorize", "navigate"]) | texts,
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

models = st.one_of(messages, contents, decision_options, decision_recommendations, rest_models)
"""A valid instance of any model class the SDK exports."""


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
def corrupted_wire(draw: st.DrawFn, valid_models: st.SearchStrategy[Any]) -> Any:
    """The wire form of a valid model with one to three places deleted or replaced."""
    document = draw(valid_models).to_wire()
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

# --- valid wire objects in every form a server may send ---------------------------------


@st.composite
def _uuid_texts(draw: st.DrawFn) -> str:
    value = draw(st.uuids())
    form = draw(st.sampled_from(["hyphen", "upper", "simple", "simple upper", "urn", "braced"]))
    if form == "upper":
        return str(value).upper()
    if form == "simple":
        return value.hex
    if form == "simple upper":
        return value.hex.upper()
    if form == "urn":
        return value.urn
    if form == "braced":
        return "{" + str(value) + "}"
    return str(value)


uuid_texts = _uuid_texts()
"""A UUID in one of the forms ``uuid.UUID`` accepts (the server's too)."""


def rfc3339_texts(offsets: Sequence[str]) -> st.SearchStrategy[str]:
    """RFC 3339 timestamps ending in one of ``offsets``, with 0, 3, 6 or 9 fraction digits."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        moment = draw(
            st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(9998, 12, 30))
        )
        digits = draw(st.sampled_from([0, 3, 6, 9]))
        fraction = f"{moment.microsecond:06d}{draw(st.integers(0, 999)):03d}"[:digits]
        text = moment.strftime("%Y-%m-%dT%H:%M:%S") + ("." + fraction if digits else "")
        return text + draw(st.sampled_from(list(offsets)))

    return build()


timestamp_texts = rfc3339_texts(["Z", "z", "+00:00", "+05:30", "-08:00", "+0100"])
"""An RFC 3339 timestamp: ``Z``, ``+00:00`` or another offset, 0-9 fraction digits."""


def enum_texts(enum: Any) -> st.SearchStrategy[str]:
    """A member's wire value in its own, upper or lower case."""
    return st.builds(
        lambda member, case: case(member.value),
        st.sampled_from(list(enum)),
        st.sampled_from([str, str.upper, str.lower]),
    )


def wire_objects(
    required: Dict[str, st.SearchStrategy[Any]],
    optional: Dict[str, st.SearchStrategy[Any]],
    extras: Optional[st.SearchStrategy[Obj]] = None,
) -> st.SearchStrategy[Obj]:
    """Objects with the ``required`` keys, some ``optional`` keys and stray ``extras``
    (by default a few keys neither required nor optional)."""
    if extras is None:
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


def _typed_wire(content: Any, required: Dict[str, Any], optional: Dict[str, Any]) -> Any:
    return wire_objects({"type": st.just(content.content_type), **required}, optional)


wire_options = wire_objects({"id": texts, "label": texts}, {"detail_markdown": optional_texts})
wire_recommendations = wire_objects({"option_id": texts}, {"rationale_markdown": optional_texts})
wire_tasks = wire_objects(
    {
        "id": uuid_texts,
        "title": texts,
        "description": texts,
        "state": enum_texts(TaskState),
        "created_at": timestamp_texts,
        "updated_at": timestamp_texts,
        "assignee": optional_texts,
        "metadata": json_values,
        "depends_on": st.lists(uuid_texts, max_size=3),
        "blocking_for": st.lists(uuid_texts, max_size=3),
        "blocked": st.booleans(),
        "dependency_type": st.none() | enum_texts(DependencyType),
    },
    {},
)
wire_contents: Dict[type, st.SearchStrategy[Obj]] = {
    QuestionContent: _typed_wire(
        QuestionContent,
        {"text": texts},
        {"timeout_seconds": u32, "choices": st.none() | st.lists(texts, max_size=4)},
    ),
    DecisionContent: _typed_wire(
        DecisionContent,
        {"decision_id": texts, "summary": texts, "options": st.lists(wire_options, max_size=4)},
        {
            "timeout_seconds": u32,
            "context_markdown": optional_texts,
            "recommendation": st.none() | wire_recommendations,
        },
    ),
    AuthorizationContent: _typed_wire(
        AuthorizationContent, {"action": texts}, {"context": json_values, "timeout_seconds": u32}
    ),
    NotificationContent: _typed_wire(
        NotificationContent, {"text": texts}, {"priority": enum_texts(NotificationPriority)}
    ),
    ResponseContent: _typed_wire(
        ResponseContent, {"answer": optional_texts, "response_type": enum_texts(ResponseType)}, {}
    ),
    NavigateContent: _typed_wire(NavigateContent, {"url": texts}, {}),
    TaskCreateContent: _typed_wire(TaskCreateContent, {"task": wire_tasks}, {}),
    TaskUpdateContent: _typed_wire(
        TaskUpdateContent,
        {"task_id": uuid_texts, "state": enum_texts(TaskState), "updated_at": timestamp_texts},
        {},
    ),
    TaskDependencyAddContent: _typed_wire(
        TaskDependencyAddContent,
        {
            "task_id": uuid_texts,
            "depends_on": uuid_texts,
            "dependency_type": enum_texts(DependencyType),
            "timestamp": timestamp_texts,
        },
        {},
    ),
    TaskDependencyRemoveContent: _typed_wire(
        TaskDependencyRemoveContent,
        {"task_id": uuid_texts, "depends_on": uuid_texts, "timestamp": timestamp_texts},
        {},
    ),
    UnknownContent: st.builds(
        lambda kind, rest: {**rest, "type": kind},
        st.text(min_size=1, max_size=12).filter(lambda kind: kind not in KNOWN_CONTENT_TYPES),
        json_objects,
    ),
}
wire_messages = wire_objects(
    {
        "id": uuid_texts,
        "channel": texts,
        "sender_type": enum_texts(SenderType),
        "content": st.one_of(list(wire_contents.values())),
        "timestamp": timestamp_texts,
    },
    {"correlation_id": st.none() | uuid_texts, "metadata": json_values},
)
_listing_timestamp = st.none() | timestamp_texts

#: Every model class -> a strategy of valid wire objects for it.
VALID_WIRE: Dict[type, st.SearchStrategy[Obj]] = {
    Message: wire_messages,
    **wire_contents,
    DecisionOption: wire_options,
    DecisionRecommendation: wire_recommendations,
    Task: wire_tasks,
    HealthInfo: wire_objects(
        {
            "status": texts,
            "version": texts,
            "active_connections": counts,
            "queue_size": counts,
            "active_channels": counts,
        },
        {},
    ),
    ServerStats: wire_objects(
        {
            "total_viewers": counts,
            "agent_connections": counts,
            "viewer_connections": counts,
            "active_channels": counts,
        },
        {},
    ),
    ChannelInfo: wire_objects(
        {"name": texts, "message_count": counts},
        {"oldest_message": _listing_timestamp, "newest_message": _listing_timestamp},
    ),
    ChannelStats: wire_objects(
        {"channel": texts, "message_count": counts},
        {"oldest_message": _listing_timestamp, "newest_message": _listing_timestamp},
    ),
    PendingItem: wire_objects(
        {
            "message_id": uuid_texts,
            "kind": texts,
            "channel": texts,
            "position": counts,
            "label": texts,
        },
        {},
    ),
    TaskDependencies: wire_objects(
        {
            "task_id": uuid_texts,
            "depends_on": st.lists(uuid_texts, max_size=3),
            "blocking_for": st.lists(uuid_texts, max_size=3),
        },
        {},
    ),
    TaskGraph: wire_objects(
        {
            "task": wire_tasks,
            "parents": st.lists(wire_tasks, max_size=2),
            "children": st.lists(wire_tasks, max_size=2),
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
    valid = VALID_WIRE[model]
    return st.one_of(json_values, json_objects, mutated(valid), mutated(mutated(valid)))


server_timestamps = rfc3339_texts(["Z"])
"""A timestamp exactly as the real server writes it: UTC, ``Z``, 0/3/6/9 digits."""


def _server_enum(enum: Any) -> st.SearchStrategy[str]:
    return st.sampled_from([member.value for member in enum])


_server_uuids = st.uuids().map(str)
_server_options = st.fixed_dictionaries(
    {"id": texts, "label": texts}, optional={"detail_markdown": texts}
)
_server_contents = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.just(DecisionContent.content_type),
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
            "type": st.just(AuthorizationContent.content_type),
            "action": texts,
            "context": json_values,
            "timeout_seconds": u32,
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just(NotificationContent.content_type),
            "text": texts,
            "priority": _server_enum(NotificationPriority),
        }
    ),
    st.fixed_dictionaries(
        {
            "type": st.just(ResponseContent.content_type),
            "answer": optional_texts,
            "response_type": _server_enum(ResponseType),
        }
    ),
    st.fixed_dictionaries({"type": st.just(NavigateContent.content_type), "url": texts}),
)

server_messages = st.fixed_dictionaries(
    {
        "id": _server_uuids,
        "channel": texts,
        "sender_type": _server_enum(SenderType),
        "content": _server_contents,
        "timestamp": server_timestamps,
        "correlation_id": st.none() | _server_uuids,
    },
    optional={"metadata": json_values},
)
"""Messages exactly as the real server serializes them (the realtime hot path's input)."""

# --- hostile shapes: wire-shaped objects with random holes -------------------------------


def _mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """``usual`` about seven times in eight, else ``rare``."""
    return st.integers(min_value=0, max_value=7).flatmap(lambda roll: rare if roll == 3 else usual)


_uuid_ish = _mostly(uuid_texts, st.text(max_size=40))
_timestamp_ish = _mostly(
    st.datetimes(timezones=st.just(timezone.utc)).map(lambda d: d.isoformat()) | timestamp_texts,
    st.from_regex(
        r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,12})?"
        r"([Zz]|[+-][0-9]{2}(:?[0-9]{2})?)?\Z"
    )
    | st.text(max_size=40),
)
_u32_ish = st.integers(min_value=-5, max_value=U32_MAX + 5) | st.just(U32_MAX)
_short_texts = st.text(max_size=8)


def _maybe(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly a plausible value, sometimes any JSON value at all."""
    return _mostly(valid, json_values)


def _holey(required: Dict[str, Any], optional: Dict[str, Any]) -> st.SearchStrategy[Any]:
    """An object with plausible-or-garbage fields, some left out, plus stray keys."""
    return wire_objects(
        {key: _maybe(value) for key, value in required.items()},
        {key: _maybe(value) for key, value in optional.items()},
        extras=st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    )


def _holey_content(
    content: Any, required: Dict[str, Any], optional: Dict[str, Any]
) -> st.SearchStrategy[Any]:
    return _holey({"type": st.just(content.content_type), **required}, optional)


_option_like = _holey(
    {"id": _short_texts, "label": _short_texts}, {"detail_markdown": _short_texts}
)
_task_like = _holey(
    {
        "id": _uuid_ish,
        "title": _short_texts,
        "description": _short_texts,
        "state": st.sampled_from(["pending", "done", "abandoned", "DONE", "blocked"]),
        "created_at": _timestamp_ish,
        "updated_at": _timestamp_ish,
    },
    {
        "assignee": st.none() | _short_texts,
        "metadata": json_values,
        "depends_on": st.lists(_uuid_ish, max_size=3),
        "blocking_for": st.lists(_uuid_ish, max_size=3),
        "blocked": st.booleans(),
        "dependency_type": st.sampled_from(["blocks", "related", "parent", "other"]),
    },
)

content_like = st.one_of(
    _holey_content(
        DecisionContent,
        {
            "decision_id": _short_texts,
            "summary": _short_texts,
            "options": st.lists(_option_like, max_size=4),
            "timeout_seconds": _u32_ish,
        },
        {
            "context_markdown": _short_texts,
            "recommendation": _holey(
                {"option_id": _short_texts}, {"rationale_markdown": _short_texts}
            ),
        },
    ),
    _holey_content(
        AuthorizationContent,
        {"action": _short_texts, "timeout_seconds": _u32_ish},
        {"context": json_values},
    ),
    _holey_content(
        NotificationContent,
        {"text": _short_texts},
        {"priority": st.sampled_from(["low", "normal", "HIGH", "urgent", "meh"])},
    ),
    _holey_content(
        ResponseContent,
        {"response_type": st.sampled_from([t.value for t in ResponseType] + ["approved", "TEXT"])},
        {"answer": st.none() | _short_texts},
    ),
    _holey_content(NavigateContent, {"url": st.text(max_size=20)}, {}),
    _holey_content(
        QuestionContent,
        {"text": _short_texts},
        {"timeout_seconds": _u32_ish, "choices": st.lists(st.text(max_size=5))},
    ),
    _holey_content(TaskCreateContent, {"task": _task_like}, {}),
    _holey_content(
        TaskUpdateContent,
        {
            "task_id": _uuid_ish,
            "updated_at": _timestamp_ish,
            "state": st.sampled_from(["pending", "done", "x"]),
        },
        {},
    ),
    _holey_content(
        TaskDependencyAddContent,
        {
            "task_id": _uuid_ish,
            "depends_on": _uuid_ish,
            "timestamp": _timestamp_ish,
            "dependency_type": st.sampled_from(["blocks", "related", "parent", "x"]),
        },
        {},
    ),
    _holey_content(
        TaskDependencyRemoveContent,
        {"task_id": _uuid_ish, "depends_on": _uuid_ish, "timestamp": _timestamp_ish},
        {},
    ),
    _holey({"type": st.just("workflow_progress"), "step": _short_texts}, {}),
    json_values,
)
"""Content objects of every known type (and some unknown ones), fields often wrong."""

message_like = _holey(
    {
        "id": _uuid_ish,
        "channel": st.text(max_size=10),
        "sender_type": st.sampled_from(["AGENT", "HUMAN", "agent", "Human", "SYSTEM"]),
        "content": content_like,
        "timestamp": _timestamp_ish,
    },
    {"correlation_id": st.none() | _uuid_ish, "metadata": json_values},
)
"""Objects shaped like a Message whose every field may be missing, wrong or extra."""

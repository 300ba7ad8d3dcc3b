"""Fixed instances of every public model, and what dataclasses-json makes of them.

``tests/data/json_mapping.json`` holds, for each sample below, the results of
``to_dict()``, ``to_dict(encode_json=True)``, ``to_json()``, ``from_dict``,
``from_json`` and ``schema().dump``/``load`` as they were while the models inherited
dataclasses-json's ``DataClassJsonMixin`` (recorded with dataclasses-json 0.6.7 and
marshmallow 3.26.2). ``tests/models/test_json_mapping.py`` checks that the models still
give exactly these results now that dataclasses-json loads at the first call.
"""

import json
import warnings
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Tuple
from uuid import UUID

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

UTC = timezone.utc
WHEN = datetime(2026, 3, 4, 5, 6, 7, 891234, tzinfo=UTC)
AT_OFFSET = datetime(2025, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=5, minutes=30)))
WHOLE_SECOND = datetime(2024, 2, 29, 12, 0, tzinfo=UTC)


def uid(number: int) -> UUID:
    return UUID(int=number)


TASK = Task(
    id=uid(1),
    title="Ship",
    description="the release",
    state=TaskState.PENDING,
    created_at=WHEN,
    updated_at=AT_OFFSET,
)
FULL_TASK = Task(
    id=uid(2),
    title="Write docs",
    description="",
    state=TaskState.ABANDONED,
    created_at=WHOLE_SECOND,
    updated_at=WHEN,
    assignee="ada",
    metadata={"points": 3, "tags": ["docs", None], "ratio": 0.5},
    depends_on=[uid(1), uid(3)],
    blocking_for=[uid(4)],
    blocked=True,
    dependency_type=DependencyType.PARENT,
)
OPTIONS = [
    DecisionOption(id="a", label="Alpha"),
    DecisionOption(id="b", label="Beta", detail_markdown="**bold** ünïcode"),
]
CONTENTS: Dict[str, Any] = {
    "question": QuestionContent(text="Proceed?"),
    "question with choices": QuestionContent(text="Pick", timeout_seconds=30, choices=["x", "y"]),
    "decision": DecisionContent(decision_id="d-1", summary="Deploy?", options=OPTIONS),
    "full decision": DecisionContent(
        decision_id="d-2",
        summary="Which?",
        options=OPTIONS,
        timeout_seconds=4_294_967_295,
        context_markdown="# context",
        recommendation=DecisionRecommendation(option_id="b", rationale_markdown="faster"),
    ),
    "authorization": AuthorizationContent(action="rm -rf build"),
    "authorization with context": AuthorizationContent(
        action="deploy", context={"env": "prod", "n": [1, 2.5, True]}, timeout_seconds=300
    ),
    "notification": NotificationContent(text="done"),
    "urgent notification": NotificationContent(text="fire", priority=NotificationPriority.URGENT),
    "response": ResponseContent(answer="yes", response_type=ResponseType.TEXT),
    "null response": ResponseContent(answer=None, response_type=ResponseType.TIMEOUT),
    "approval": ResponseContent(answer=None, response_type=ResponseType.AUTHORIZATION_APPROVED),
    "navigate": NavigateContent(url="https://example.com/a?b=c"),
    "task create": TaskCreateContent(task=FULL_TASK),
    "task update": TaskUpdateContent(task_id=uid(5), state=TaskState.DONE, updated_at=AT_OFFSET),
    "dependency add": TaskDependencyAddContent(
        task_id=uid(6), depends_on=uid(7), dependency_type=DependencyType.RELATED, timestamp=WHEN
    ),
    "dependency remove": TaskDependencyRemoveContent(
        task_id=uid(6), depends_on=uid(7), timestamp=WHOLE_SECOND
    ),
    "unknown": UnknownContent(raw={"type": "stdout", "line": "hi", "n": 1}),
}


def _message(number: int, content: Any, **fields: Any) -> Message:
    return Message(
        id=uid(100 + number),
        channel="ops",
        sender_type=fields.pop("sender_type", SenderType.AGENT),
        content=content,
        timestamp=fields.pop("timestamp", WHEN),
        **fields,
    )


def samples() -> List[Tuple[str, Any]]:
    """(name, instance): every public model, each optional field both set and unset."""
    found: List[Tuple[str, Any]] = [(f"{name} content", value) for name, value in CONTENTS.items()]
    found += [
        (f"message with {name}", _message(index, value))
        for index, (name, value) in enumerate(CONTENTS.items())
    ]
    found += [
        (
            "answered message",
            _message(
                50,
                CONTENTS["response"],
                sender_type=SenderType.HUMAN,
                correlation_id=uid(101),
                metadata={"option_id": "a", "label": "Alpha", "index": 1},
                timestamp=AT_OFFSET,
            ),
        ),
        ("message with scalar metadata", _message(51, CONTENTS["notification"], metadata=0)),
        ("decision option", OPTIONS[1]),
        ("recommendation", DecisionRecommendation(option_id="a")),
        ("task", TASK),
        ("full task", FULL_TASK),
        ("health", HealthInfo("healthy", "1.0.0", 2, 1, 3)),
        ("health with extra", HealthInfo("ok", "0.1.42", 0, 0, 0, extra={"uptime": 12.5})),
        ("stats", ServerStats(4, 1, 3, 2)),
        ("channel", ChannelInfo(name="ops", message_count=0)),
        (
            "channel with history",
            ChannelInfo(name="ops", message_count=7, oldest_message=AT_OFFSET, newest_message=WHEN),
        ),
        ("channel stats", ChannelStats(channel="ops", message_count=0)),
        (
            "channel stats with history",
            ChannelStats(
                channel="x", message_count=2, oldest_message=WHOLE_SECOND, newest_message=WHEN
            ),
        ),
        ("pending", PendingItem(uid(8), "decision", "ops", 1, "Deploy?")),
        ("dependencies", TaskDependencies(task_id=uid(1))),
        ("full dependencies", TaskDependencies(uid(1), [uid(2), uid(3)], [uid(4)])),
        ("graph", TaskGraph(task=TASK)),
        ("full graph", TaskGraph(task=FULL_TASK, parents=[TASK], children=[TASK, FULL_TASK])),
    ]
    return found


def _outcome(call: Callable[[], Any], show: Callable[[Any], Any]) -> Dict[str, Any]:
    """``{"value": show(result)}``, or ``{"error": "<type>: <message>"}`` if it raised."""
    try:
        result = call()
    except Exception as exc:  # the recorded behaviour includes failures
        return {"error": f"{type(exc).__name__}: {exc}"}
    return {"value": show(result)}


def _shown(value: Any) -> Any:
    """``value`` as JSON if it is JSON, else its repr (models, datetimes)."""
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return {"repr": repr(value)}


def _fields(instance: Any) -> Any:
    """An instance's fields as comparable JSON (models by repr of their fields)."""
    return {"type": type(instance).__name__, "repr": repr(instance)}


def mapping_of(instance: Any) -> Dict[str, Any]:
    """What dataclasses-json's methods make of ``instance`` (the recorded results)."""
    model = type(instance)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # marshmallow warns about the fields it cannot type
        as_dict = instance.to_dict()
        dumped = _outcome(lambda: model.schema().dump(instance), _shown)
        loaded = _outcome(
            lambda: model.schema().load(model.schema().dump(instance)), _fields
        )
        return {
            "to_dict": _shown(as_dict),
            "to_dict_encoded": _shown(instance.to_dict(encode_json=True)),
            "to_json": instance.to_json(),
            "from_dict": _outcome(lambda: model.from_dict(as_dict), _fields),
            "from_dict_inferred": _outcome(
                lambda: model.from_dict(as_dict, infer_missing=True), _fields
            ),
            "from_json": _outcome(lambda: model.from_json(json.dumps(as_dict)), _fields),
            "schema_dump": dumped,
            "schema_dump_many": _outcome(
                lambda: model.schema(many=True).dump([instance]), _shown
            ),
            "schema_load": loaded,
            "schema_dumps": _outcome(lambda: model.schema().dumps(instance), str),
        }


def recorded() -> Dict[str, Dict[str, Any]]:
    """The mapping of every sample, by sample name."""
    return {name: mapping_of(instance) for name, instance in samples()}

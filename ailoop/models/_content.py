"""The ``content`` variants of a message, tagged on the wire by ``"type"`` (§3.4, §8.7).

Encoding follows the server: ``type`` first, fields in the Rust declaration order,
``timeout_seconds`` always present, optional Markdown fields, ``recommendation`` and
``choices`` omitted when None, authorization ``context`` and response ``answer`` always
present (null when None). Decoding is liberal: unknown fields are ignored, a missing
``timeout_seconds`` reads as 0 (the server's default), a missing notification
``priority`` as ``low`` (as the server does), a missing ``answer`` as None, and an
unknown ``type`` becomes :class:`UnknownContent` holding the raw object.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Type, Union
from uuid import UUID

from ailoop.exceptions import ValidationError
from ailoop.models._enums import DependencyType, NotificationPriority, ResponseType, TaskState
from ailoop.models._task import Task
from ailoop.models._wire import (
    U32_MAX,
    JsonObject,
    WireModel,
    enum_config,
    expect_object,
    omit_none_config,
    read_enum,
    read_int,
    read_optional_str,
    read_str,
    read_timestamp,
    read_uuid,
    timestamp_config,
    uuid_config,
    write_enum,
    write_timestamp,
    write_u32,
    write_uuid,
)

__all__ = [
    "AuthorizationContent",
    "DecisionContent",
    "DecisionOption",
    "DecisionRecommendation",
    "MessageContent",
    "NavigateContent",
    "NotificationContent",
    "QuestionContent",
    "ResponseContent",
    "TaskCreateContent",
    "TaskDependencyAddContent",
    "TaskDependencyRemoveContent",
    "TaskUpdateContent",
    "UnknownContent",
    "decode_content",
]


class _TypedContent(WireModel):
    """A content variant the SDK knows; ``content_type`` is its wire ``type``."""

    content_type: ClassVar[str] = ""

    @classmethod
    def _check_type(cls, obj: JsonObject, where: str) -> None:
        """Reject an object whose ``type`` names another variant."""
        given = obj.get("type", cls.content_type)
        if given != cls.content_type:
            raise ValidationError(
                f"{where}.type: expected {cls.content_type!r}, got {str(given)[:64]!r}"
            )


@dataclass
class QuestionContent(_TypedContent):
    """v0 prompt (servers before v1.0.1): free text, or one of ``choices``.

    ``timeout_seconds`` is the server-side timeout; 0 means the server's default.
    """

    text: str
    timeout_seconds: int = 0
    choices: Optional[List[str]] = field(default=None, metadata=omit_none_config())

    content_type: ClassVar[str] = "question"
    wire_name: ClassVar[str] = "question content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "QuestionContent":
        cls._check_type(obj, where)
        choices = obj.get("choices")
        if choices is not None and not (
            isinstance(choices, list) and all(isinstance(choice, str) for choice in choices)
        ):
            raise ValidationError(f"{where}.choices: expected a list of strings or null")
        return cls(
            text=read_str(obj, "text", where),
            timeout_seconds=read_int(obj, "timeout_seconds", where, 0, U32_MAX),
            choices=choices,
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``text``, ``timeout_seconds`` and ``choices`` unless None."""
        wire: JsonObject = {
            "type": "question",
            "text": self.text,
            "timeout_seconds": write_u32(self.timeout_seconds, "question.timeout_seconds"),
        }
        if self.choices is not None:
            wire["choices"] = list(self.choices)
        return wire


@dataclass
class DecisionOption(WireModel):
    """One selectable option of a decision; ``id`` is what a resolved answer carries."""

    id: str
    label: str
    detail_markdown: Optional[str] = field(default=None, metadata=omit_none_config())

    wire_name: ClassVar[str] = "decision option"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "DecisionOption":
        return cls(
            id=read_str(obj, "id", where),
            label=read_str(obj, "label", where),
            detail_markdown=read_optional_str(obj, "detail_markdown", where),
        )

    def to_wire(self) -> JsonObject:
        """``id``, ``label`` and ``detail_markdown`` unless None."""
        wire: JsonObject = {"id": self.id, "label": self.label}
        if self.detail_markdown is not None:
            wire["detail_markdown"] = self.detail_markdown
        return wire


@dataclass
class DecisionRecommendation(WireModel):
    """The option the agent recommends; ``option_id`` must name one of the options."""

    option_id: str
    rationale_markdown: Optional[str] = field(default=None, metadata=omit_none_config())

    wire_name: ClassVar[str] = "decision recommendation"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "DecisionRecommendation":
        return cls(
            option_id=read_str(obj, "option_id", where),
            rationale_markdown=read_optional_str(obj, "rationale_markdown", where),
        )

    def to_wire(self) -> JsonObject:
        """``option_id`` and ``rationale_markdown`` unless None."""
        wire: JsonObject = {"option_id": self.option_id}
        if self.rationale_markdown is not None:
            wire["rationale_markdown"] = self.rationale_markdown
        return wire


@dataclass
class DecisionContent(_TypedContent):
    """v1 structured multiple-choice prompt (v1.0.1+); v1 has no free-text prompt.

    The server does not validate decisions; build them with
    :func:`ailoop._validation.validate_decision_options` to get >= 2 unique ids.
    ``timeout_seconds`` 0 means the server's default.
    """

    decision_id: str
    summary: str
    options: List[DecisionOption]
    timeout_seconds: int = 0
    context_markdown: Optional[str] = field(default=None, metadata=omit_none_config())
    recommendation: Optional[DecisionRecommendation] = field(
        default=None, metadata=omit_none_config()
    )

    content_type: ClassVar[str] = "decision"
    wire_name: ClassVar[str] = "decision content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "DecisionContent":
        cls._check_type(obj, where)
        options = obj.get("options")
        if not isinstance(options, list):
            raise ValidationError(f"{where}.options: expected a list of option objects")
        recommendation = obj.get("recommendation")
        return cls(
            decision_id=read_str(obj, "decision_id", where),
            summary=read_str(obj, "summary", where),
            options=[
                DecisionOption._decode(
                    expect_object(option, f"{where}.options[{index}]"),
                    f"{where}.options[{index}]",
                )
                for index, option in enumerate(options)
            ],
            timeout_seconds=read_int(obj, "timeout_seconds", where, 0, U32_MAX),
            context_markdown=read_optional_str(obj, "context_markdown", where),
            recommendation=(
                None
                if recommendation is None
                else DecisionRecommendation._decode(
                    expect_object(recommendation, f"{where}.recommendation"),
                    f"{where}.recommendation",
                )
            ),
        )

    def option(self, option_id: str) -> Optional[DecisionOption]:
        """The option whose id is ``option_id``, or None."""
        for candidate in self.options:
            if candidate.id == option_id:
                return candidate
        return None

    def to_wire(self) -> JsonObject:
        """Fields in the server's order; absent optional fields omitted."""
        wire: JsonObject = {
            "type": "decision",
            "decision_id": self.decision_id,
            "summary": self.summary,
        }
        if self.context_markdown is not None:
            wire["context_markdown"] = self.context_markdown
        wire["options"] = [option.to_wire() for option in self.options]
        if self.recommendation is not None:
            wire["recommendation"] = self.recommendation.to_wire()
        wire["timeout_seconds"] = write_u32(self.timeout_seconds, "decision.timeout_seconds")
        return wire


@dataclass
class AuthorizationContent(_TypedContent):
    """Ask a human to approve ``action``; ``context`` is any JSON value (or None).

    A server-side timeout answers ``authorization_denied``. ``timeout_seconds`` 0 means
    the server's default.
    """

    action: str
    context: Optional[Any] = None
    timeout_seconds: int = 0

    content_type: ClassVar[str] = "authorization"
    wire_name: ClassVar[str] = "authorization content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "AuthorizationContent":
        cls._check_type(obj, where)
        return cls(
            action=read_str(obj, "action", where),
            context=obj.get("context"),
            timeout_seconds=read_int(obj, "timeout_seconds", where, 0, U32_MAX),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``action``, ``context`` (null when None), ``timeout_seconds``."""
        return {
            "type": "authorization",
            "action": self.action,
            "context": self.context,
            "timeout_seconds": write_u32(self.timeout_seconds, "authorization.timeout_seconds"),
        }


@dataclass
class NotificationContent(_TypedContent):
    """A one-way message to humans; nobody answers it."""

    text: str
    priority: NotificationPriority = field(
        default=NotificationPriority.LOW,
        metadata=enum_config(NotificationPriority, "notification.priority"),
    )

    content_type: ClassVar[str] = "notification"
    wire_name: ClassVar[str] = "notification content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "NotificationContent":
        cls._check_type(obj, where)
        return cls(
            text=read_str(obj, "text", where),
            priority=read_enum(
                NotificationPriority, obj, "priority", where, NotificationPriority.LOW
            ),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``text``, ``priority``."""
        return {
            "type": "notification",
            "text": self.text,
            "priority": write_enum(NotificationPriority, self.priority, "notification.priority"),
        }


@dataclass
class ResponseContent(_TypedContent):
    """An answer to a prompt (the message's ``correlation_id`` names the prompt).

    ``answer`` is the text (a decision's option id once resolved) or None;
    ``response_type`` tells approval, denial, timeout or cancellation.
    """

    answer: Optional[str]
    response_type: ResponseType = field(
        metadata=enum_config(ResponseType, "response.response_type")
    )

    content_type: ClassVar[str] = "response"
    wire_name: ClassVar[str] = "response content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "ResponseContent":
        cls._check_type(obj, where)
        return cls(
            answer=read_optional_str(obj, "answer", where),
            response_type=read_enum(ResponseType, obj, "response_type", where),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``answer`` (null when None), ``response_type``."""
        return {
            "type": "response",
            "answer": self.answer,
            "response_type": write_enum(ResponseType, self.response_type, "response.response_type"),
        }


@dataclass
class NavigateContent(_TypedContent):
    """Ask a human to let the server host open ``url`` (no timeout field on the wire)."""

    url: str

    content_type: ClassVar[str] = "navigate"
    wire_name: ClassVar[str] = "navigate content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "NavigateContent":
        cls._check_type(obj, where)
        return cls(url=read_str(obj, "url", where))

    def to_wire(self) -> JsonObject:
        """``type`` and ``url``."""
        return {"type": "navigate", "url": self.url}


@dataclass
class TaskCreateContent(_TypedContent):
    """Task event relayed between clients (the server never emits task events itself)."""

    task: Task

    content_type: ClassVar[str] = "task_create"
    wire_name: ClassVar[str] = "task_create content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskCreateContent":
        cls._check_type(obj, where)
        task_where = f"{where}.task"
        return cls(task=Task._decode(expect_object(obj.get("task"), task_where), task_where))

    def to_wire(self) -> JsonObject:
        """``type`` and the full ``task``."""
        return {"type": "task_create", "task": self.task.to_wire()}


@dataclass
class TaskUpdateContent(_TypedContent):
    """Task event: ``task_id`` moved to ``state`` at ``updated_at``."""

    task_id: UUID = field(metadata=uuid_config("task_update.task_id"))
    state: TaskState = field(metadata=enum_config(TaskState, "task_update.state"))
    updated_at: datetime = field(metadata=timestamp_config("task_update.updated_at"))

    content_type: ClassVar[str] = "task_update"
    wire_name: ClassVar[str] = "task_update content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskUpdateContent":
        cls._check_type(obj, where)
        return cls(
            task_id=read_uuid(obj, "task_id", where),
            state=read_enum(TaskState, obj, "state", where),
            updated_at=read_timestamp(obj, "updated_at", where),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``task_id``, ``state``, ``updated_at``."""
        return {
            "type": "task_update",
            "task_id": write_uuid(self.task_id, "task_update.task_id"),
            "state": write_enum(TaskState, self.state, "task_update.state"),
            "updated_at": write_timestamp(self.updated_at, "task_update.updated_at"),
        }


@dataclass
class TaskDependencyAddContent(_TypedContent):
    """Task event: ``task_id`` now depends on the single task ``depends_on``."""

    task_id: UUID = field(metadata=uuid_config("task_dependency_add.task_id"))
    depends_on: UUID = field(metadata=uuid_config("task_dependency_add.depends_on"))
    dependency_type: DependencyType = field(
        metadata=enum_config(DependencyType, "task_dependency_add.dependency_type")
    )
    timestamp: datetime = field(metadata=timestamp_config("task_dependency_add.timestamp"))

    content_type: ClassVar[str] = "task_dependency_add"
    wire_name: ClassVar[str] = "task_dependency_add content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskDependencyAddContent":
        cls._check_type(obj, where)
        return cls(
            task_id=read_uuid(obj, "task_id", where),
            depends_on=read_uuid(obj, "depends_on", where),
            dependency_type=read_enum(DependencyType, obj, "dependency_type", where),
            timestamp=read_timestamp(obj, "timestamp", where),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``task_id``, ``depends_on``, ``dependency_type``, ``timestamp``."""
        where = "task_dependency_add"
        return {
            "type": "task_dependency_add",
            "task_id": write_uuid(self.task_id, f"{where}.task_id"),
            "depends_on": write_uuid(self.depends_on, f"{where}.depends_on"),
            "dependency_type": write_enum(
                DependencyType, self.dependency_type, f"{where}.dependency_type"
            ),
            "timestamp": write_timestamp(self.timestamp, f"{where}.timestamp"),
        }


@dataclass
class TaskDependencyRemoveContent(_TypedContent):
    """Task event: ``task_id`` no longer depends on ``depends_on``."""

    task_id: UUID = field(metadata=uuid_config("task_dependency_remove.task_id"))
    depends_on: UUID = field(metadata=uuid_config("task_dependency_remove.depends_on"))
    timestamp: datetime = field(metadata=timestamp_config("task_dependency_remove.timestamp"))

    content_type: ClassVar[str] = "task_dependency_remove"
    wire_name: ClassVar[str] = "task_dependency_remove content"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskDependencyRemoveContent":
        cls._check_type(obj, where)
        return cls(
            task_id=read_uuid(obj, "task_id", where),
            depends_on=read_uuid(obj, "depends_on", where),
            timestamp=read_timestamp(obj, "timestamp", where),
        )

    def to_wire(self) -> JsonObject:
        """``type``, ``task_id``, ``depends_on``, ``timestamp``."""
        where = "task_dependency_remove"
        return {
            "type": "task_dependency_remove",
            "task_id": write_uuid(self.task_id, f"{where}.task_id"),
            "depends_on": write_uuid(self.depends_on, f"{where}.depends_on"),
            "timestamp": write_timestamp(self.timestamp, f"{where}.timestamp"),
        }


@dataclass
class UnknownContent(WireModel):
    """Content of a ``type`` this SDK does not know (another era's or a future one's).

    ``raw`` is the content object as received, ``type`` included; it is sent back
    unchanged by ``to_wire()``. The v0.1.8-v0.1.46 workflow types (``workflow_progress``,
    ``workflow_completed``, ``stdout``, ``stderr``) arrive as this class.
    """

    raw: Dict[str, Any]

    wire_name: ClassVar[str] = "content"

    @property
    def content_type(self) -> str:
        """The wire ``type`` of the content."""
        return str(self.raw.get("type"))

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "UnknownContent":
        if not isinstance(obj.get("type"), str):
            raise ValidationError(f"{where}.type: expected a string")
        return cls(raw=dict(obj))

    def to_wire(self) -> JsonObject:
        """A copy of ``raw`` with ``type`` moved first."""
        return {"type": self.raw.get("type"), **self.raw}


MessageContent = Union[
    DecisionContent,
    AuthorizationContent,
    NotificationContent,
    ResponseContent,
    NavigateContent,
    QuestionContent,
    TaskCreateContent,
    TaskUpdateContent,
    TaskDependencyAddContent,
    TaskDependencyRemoveContent,
    UnknownContent,
]
"""Every class a :attr:`Message.content` can hold."""

_KNOWN_CONTENT: Dict[str, Type[_TypedContent]] = {
    variant.content_type: variant
    for variant in (
        DecisionContent,
        AuthorizationContent,
        NotificationContent,
        ResponseContent,
        NavigateContent,
        QuestionContent,
        TaskCreateContent,
        TaskUpdateContent,
        TaskDependencyAddContent,
        TaskDependencyRemoveContent,
    )
}


def decode_content(data: Any, where: str = "content") -> MessageContent:
    """Decode a content object by its ``type``; unknown types give :class:`UnknownContent`."""
    obj = expect_object(data, where)
    content_type = obj.get("type")
    if not isinstance(content_type, str):
        problem = "missing" if content_type is None else "not a string"
        raise ValidationError(f"{where}.type: {problem}")
    variant = _KNOWN_CONTENT.get(content_type)
    if variant is None:
        return UnknownContent(raw=dict(obj))
    decoded: MessageContent = variant._decode(obj, where)  # type: ignore[assignment]
    return decoded


def encode_content(content: Any, name: str = "content") -> JsonObject:
    """The wire object of a content instance (``type`` first)."""
    if isinstance(content, (_TypedContent, UnknownContent)):
        return content.to_wire()
    raise ValidationError(f"{name}: expected a content object, got {type(content).__name__}")

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
from typing import Any, ClassVar, Dict, List, Optional, Type, TypeVar, Union
from uuid import UUID

from ailoop.exceptions import ValidationError
from ailoop.models._codec import CustomCodec, wire_field, wire_model
from ailoop.models._enums import DependencyType, NotificationPriority, ResponseType, TaskState
from ailoop.models._task import Task
from ailoop.models._wire import U32_MAX, JsonObject, WireModel, expect_object

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


T = TypeVar("T", bound="_TypedContent")


class _TypedContent(WireModel):
    """A content variant the SDK knows; ``content_type`` is its wire ``type``."""

    content_type: ClassVar[str] = ""

    @classmethod
    def from_wire(cls: Type[T], data: Any) -> T:
        """Decode a content object; its ``type``, when given, must be this variant's."""
        obj = expect_object(data, cls.wire_name)
        given = obj.get("type", cls.content_type)
        if given != cls.content_type:
            raise ValidationError(
                f"{cls.wire_name}.type: expected {cls.content_type!r}, got {str(given)[:64]!r}"
            )
        decoded: T = cls._decode(obj, cls.wire_name)
        return decoded


@wire_model
@dataclass
class QuestionContent(_TypedContent):
    """v0 prompt (servers before v1.0.1): free text, or one of ``choices``.

    ``timeout_seconds`` is the server-side timeout; 0 means the server's default.
    """

    text: str
    timeout_seconds: int = field(default=0, metadata=wire_field(maximum=U32_MAX))
    choices: Optional[List[str]] = field(default=None, metadata=wire_field(omit_none=True))

    content_type: ClassVar[str] = "question"
    wire_name: ClassVar[str] = "question content"


@wire_model
@dataclass
class DecisionOption(WireModel):
    """One selectable option of a decision; ``id`` is what a resolved answer carries."""

    id: str
    label: str
    detail_markdown: Optional[str] = field(default=None, metadata=wire_field(omit_none=True))

    wire_name: ClassVar[str] = "decision option"


@wire_model
@dataclass
class DecisionRecommendation(WireModel):
    """The option the agent recommends; ``option_id`` must name one of the options."""

    option_id: str
    rationale_markdown: Optional[str] = field(default=None, metadata=wire_field(omit_none=True))

    wire_name: ClassVar[str] = "decision recommendation"


@wire_model
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
    timeout_seconds: int = field(
        default=0, metadata=wire_field(maximum=U32_MAX, after="recommendation")
    )
    context_markdown: Optional[str] = field(
        default=None, metadata=wire_field(omit_none=True, after="summary")
    )
    recommendation: Optional[DecisionRecommendation] = field(
        default=None, metadata=wire_field(omit_none=True)
    )

    content_type: ClassVar[str] = "decision"
    wire_name: ClassVar[str] = "decision content"

    def option(self, option_id: str) -> Optional[DecisionOption]:
        """The option whose id is ``option_id``, or None."""
        for candidate in self.options:
            if candidate.id == option_id:
                return candidate
        return None


@wire_model
@dataclass
class AuthorizationContent(_TypedContent):
    """Ask a human to approve ``action``; ``context`` is any JSON value (or None).

    A server-side timeout answers ``authorization_denied``. ``timeout_seconds`` 0 means
    the server's default.
    """

    action: str
    context: Optional[Any] = None
    timeout_seconds: int = field(default=0, metadata=wire_field(maximum=U32_MAX))

    content_type: ClassVar[str] = "authorization"
    wire_name: ClassVar[str] = "authorization content"


@wire_model
@dataclass
class NotificationContent(_TypedContent):
    """A one-way message to humans; nobody answers it."""

    text: str
    priority: NotificationPriority = NotificationPriority.LOW

    content_type: ClassVar[str] = "notification"
    wire_name: ClassVar[str] = "notification content"


@wire_model
@dataclass
class ResponseContent(_TypedContent):
    """An answer to a prompt (the message's ``correlation_id`` names the prompt).

    ``answer`` is the text (a decision's option id once resolved) or None;
    ``response_type`` tells approval, denial, timeout or cancellation.
    """

    answer: Optional[str]
    response_type: ResponseType

    content_type: ClassVar[str] = "response"
    wire_name: ClassVar[str] = "response content"


@wire_model
@dataclass
class NavigateContent(_TypedContent):
    """Ask a human to let the server host open ``url`` (no timeout field on the wire)."""

    url: str

    content_type: ClassVar[str] = "navigate"
    wire_name: ClassVar[str] = "navigate content"


@wire_model
@dataclass
class TaskCreateContent(_TypedContent):
    """Task event relayed between clients (the server never emits task events itself)."""

    task: Task

    content_type: ClassVar[str] = "task_create"
    wire_name: ClassVar[str] = "task_create content"


@wire_model
@dataclass
class TaskUpdateContent(_TypedContent):
    """Task event: ``task_id`` moved to ``state`` at ``updated_at``."""

    task_id: UUID
    state: TaskState
    updated_at: datetime

    content_type: ClassVar[str] = "task_update"
    wire_name: ClassVar[str] = "task_update content"


@wire_model
@dataclass
class TaskDependencyAddContent(_TypedContent):
    """Task event: ``task_id`` now depends on the single task ``depends_on``."""

    task_id: UUID
    depends_on: UUID
    dependency_type: DependencyType
    timestamp: datetime

    content_type: ClassVar[str] = "task_dependency_add"
    wire_name: ClassVar[str] = "task_dependency_add content"


@wire_model
@dataclass
class TaskDependencyRemoveContent(_TypedContent):
    """Task event: ``task_id`` no longer depends on ``depends_on``."""

    task_id: UUID
    depends_on: UUID
    timestamp: datetime

    content_type: ClassVar[str] = "task_dependency_remove"
    wire_name: ClassVar[str] = "task_dependency_remove content"


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

    @staticmethod
    def _decode(obj: JsonObject, where: str) -> "UnknownContent":
        if not isinstance(obj.get("type"), str):
            raise ValidationError(f"{where}.type: expected a string")
        return UnknownContent(raw=dict(obj))

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


_KNOWN_CLASSES = frozenset(_KNOWN_CONTENT.values())



def decode_content(data: Any, where: str = "content") -> MessageContent:
    """Decode a content object by its ``type``; unknown types give :class:`UnknownContent`."""
    if type(data) is dict:
        kind = data.get("type")
        known_type = _KNOWN_CONTENT.get(kind) if type(kind) is str else None
        if known_type is not None:
            # Looked up at each call: the generated decoder replaces the class's first one.
            decoded: MessageContent = known_type._decode(data, where)
            return decoded
    obj = expect_object(data, where)
    content_type = obj.get("type")
    if not isinstance(content_type, str):
        problem = "missing" if content_type is None else "not a string"
        raise ValidationError(f"{where}.type: {problem}")
    variant = _KNOWN_CONTENT.get(content_type)
    if variant is None:
        return UnknownContent(raw=dict(obj))
    known: MessageContent = variant._decode(obj, where)
    return known


def encode_content(content: Any, name: str = "content") -> JsonObject:
    """The wire object of a content instance (``type`` first)."""
    if type(content) in _KNOWN_CLASSES:  # the generated encoder, without to_wire()'s call
        encoded: JsonObject = content._encode(content)
        return encoded
    if isinstance(content, (_TypedContent, UnknownContent)):
        return content.to_wire()
    raise ValidationError(f"{name}: expected a content object, got {type(content).__name__}")


CONTENT_CODEC = CustomCodec(decode_content, encode_content)
"""How a message's ``content`` field is decoded and encoded."""

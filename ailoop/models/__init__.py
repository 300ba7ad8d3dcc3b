"""The protocol's data model: messages, their content variants, tasks and REST bodies.

Every model is a plain dataclass mapped with dataclasses-json (``to_dict`` /
``from_dict`` / ``from_json`` / ``schema``, dataclasses-json loaded at the first of these
calls) and adds the two wire entry points:

* ``Model.from_wire(obj)`` decodes a JSON object received from a server, liberally
  (unknown fields ignored, unknown content types kept as :class:`UnknownContent`,
  either case of ``sender_type``, any RFC 3339 timestamp), and raises
  :class:`ailoop.ValidationError` naming the field for anything that cannot be the model;
  ``Model.from_wire_list(body, key)`` does the same for a wrapper's list.
* ``model.to_wire()`` gives the exact JSON object the real server accepts and emits
  (field order, upper-case ``sender_type``, lower-case UUIDs, UTC ``Z`` timestamps,
  ``correlation_id`` always present, optional fields omitted as the server omits them);
  ``model.to_json()`` is that object as compact JSON text.

Enumerations are ``str`` enums, so ``ResponseType.TEXT == "text"``.
"""

from ailoop._public import present_as
from ailoop.models._content import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    MessageContent,
    NavigateContent,
    NotificationContent,
    QuestionContent,
    ResponseContent,
    TaskCreateContent,
    TaskDependencyAddContent,
    TaskDependencyRemoveContent,
    TaskUpdateContent,
    UnknownContent,
)
from ailoop.models._enums import (
    DependencyType,
    NotificationPriority,
    ResponseType,
    SenderType,
    TaskState,
)
from ailoop.models._message import Message
from ailoop.models._rest import (
    ChannelInfo,
    ChannelStats,
    HealthInfo,
    PendingItem,
    ServerStats,
    TaskDependencies,
    TaskGraph,
)
from ailoop.models._task import Task

__all__ = [
    "AuthorizationContent",
    "ChannelInfo",
    "ChannelStats",
    "DecisionContent",
    "DecisionOption",
    "DecisionRecommendation",
    "DependencyType",
    "HealthInfo",
    "Message",
    "MessageContent",
    "NavigateContent",
    "NotificationContent",
    "NotificationPriority",
    "PendingItem",
    "QuestionContent",
    "ResponseContent",
    "ResponseType",
    "SenderType",
    "ServerStats",
    "Task",
    "TaskCreateContent",
    "TaskDependencies",
    "TaskDependencyAddContent",
    "TaskDependencyRemoveContent",
    "TaskGraph",
    "TaskState",
    "TaskUpdateContent",
    "UnknownContent",
]


present_as("ailoop", globals(), __all__)

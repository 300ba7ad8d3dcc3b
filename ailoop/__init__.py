"""ailoop-py: a blocking, threaded Python SDK for the ailoop human-in-the-loop server."""

import logging

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop.client import AiloopClient
from ailoop.exceptions import (
    AiloopError,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    NotFoundError,
    ServerError,
    TimeoutError,
    ValidationError,
)
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

__version__ = "0.1.0"

logging.getLogger("ailoop").addHandler(logging.NullHandler())

__all__ = [
    "AiloopClient",
    "AiloopError",
    "AuthenticationError",
    "AuthorizationContent",
    "ChannelInfo",
    "ChannelStats",
    "ClientClosedError",
    "ConnectionError",
    "ConnectionEvent",
    "ConnectionState",
    "DecisionContent",
    "DecisionOption",
    "DecisionRecommendation",
    "DeliveryError",
    "DependencyType",
    "HealthInfo",
    "Message",
    "NavigateContent",
    "NotFoundError",
    "NotificationContent",
    "NotificationPriority",
    "PendingItem",
    "QuestionContent",
    "ResponseContent",
    "ResponseType",
    "SenderType",
    "ServerError",
    "ServerStats",
    "Task",
    "TaskCreateContent",
    "TaskDependencies",
    "TaskDependencyAddContent",
    "TaskDependencyRemoveContent",
    "TaskGraph",
    "TaskState",
    "TaskUpdateContent",
    "TimeoutError",
    "UnknownContent",
    "ValidationError",
    "__version__",
]

# Public classes present themselves as ``ailoop.X`` in reprs, docs and pickles. Pickle and
# dataclasses-json still work: every class is reachable as ``ailoop.<name>``, and the models
# hold no string annotations that would need their defining module to resolve.
for _name in __all__:
    _public = globals()[_name]
    if isinstance(_public, type):
        _public.__module__ = "ailoop"
del _name, _public

"""ailoop-py: a blocking, threaded Python SDK for the ailoop human-in-the-loop server.

The public names below are loaded on first use (PEP 562), so ``import ailoop`` itself
costs about a millisecond: pytest imports the package in every run of every project
that has ailoop-py installed (for the ``pytest11`` plugin), and that run should not pay
for requests, websocket-client and dataclasses-json. The first ``ailoop.<name>`` (or
``from ailoop import <name>``) imports the module that defines it, and only that one (with
what it imports), once for every thread.
"""

import importlib
import logging
from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:
    from ailoop._connection_state import ConnectionEvent, ConnectionState
    from ailoop._log_handler import AiloopLogHandler
    from ailoop._types import ConnectionHandler, MessageHandler
    from ailoop._verdict import approved
    from ailoop._version import __version__
    from ailoop.client import AiloopClient
    from ailoop.exceptions import (
        AiloopError,
        ApprovalDenied,
        AuthenticationError,
        ClientClosedError,
        ConnectionError,
        DeliveryError,
        MalformedResponseError,
        MessageTooLargeError,
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

logging.getLogger("ailoop").addHandler(logging.NullHandler())

__all__ = [
    "AiloopClient",
    "AiloopError",
    "AiloopLogHandler",
    "ApprovalDenied",
    "AuthenticationError",
    "AuthorizationContent",
    "ChannelInfo",
    "ChannelStats",
    "ClientClosedError",
    "ConnectionError",
    "ConnectionEvent",
    "ConnectionHandler",
    "ConnectionState",
    "DecisionContent",
    "DecisionOption",
    "DecisionRecommendation",
    "DeliveryError",
    "DependencyType",
    "HealthInfo",
    "MalformedResponseError",
    "Message",
    "MessageHandler",
    "MessageTooLargeError",
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
    "approved",
]

_HOMES: Dict[str, str] = {
    "AiloopClient": "ailoop.client",
    "AiloopLogHandler": "ailoop._log_handler",
    "ConnectionEvent": "ailoop._connection_state",
    "ConnectionState": "ailoop._connection_state",
    "ConnectionHandler": "ailoop._types",
    "MessageHandler": "ailoop._types",
    "approved": "ailoop._verdict",
    **dict.fromkeys(
        (
            "AiloopError",
            "ApprovalDenied",
            "AuthenticationError",
            "ClientClosedError",
            "ConnectionError",
            "DeliveryError",
            "MalformedResponseError",
            "MessageTooLargeError",
            "NotFoundError",
            "ServerError",
            "TimeoutError",
            "ValidationError",
        ),
        "ailoop.exceptions",
    ),
}
"""Module of each public name; every other name of ``__all__`` lives in ``ailoop.models``."""


def _load_public_name(name: str) -> Any:
    """Import the module defining the public ``name``; keep and return its value.

    The defining modules already present their classes as ``ailoop.X`` (see
    :mod:`ailoop._public`), so reprs, docs and pickles say ``ailoop.X`` whatever was
    imported first; pickle finds each class here through this lazy loading.
    """
    value = getattr(importlib.import_module(_HOMES.get(name, "ailoop.models")), name)
    globals()[name] = value
    return value


if not TYPE_CHECKING:  # type checkers see the imports above, with their exact types

    def __getattr__(name: str) -> Any:
        """Load a public name on first use."""
        if name == "__version__":  # without loading the client
            from ailoop._version import __version__  # noqa: PLC0415

            globals()[name] = __version__
            return __version__
        if name not in __all__:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        return _load_public_name(name)


def __dir__() -> List[str]:
    """The module's names, the not yet loaded public ones included."""
    return sorted(set(globals()) | set(__all__))

"""Typed bodies of the REST API (PROTOCOL §4.3): health, stats, channels, pending, tasks."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional
from uuid import UUID

from ailoop._timestamps import format_rfc3339
from ailoop.models._codec import wire_field, wire_model
from ailoop.models._task import Task
from ailoop.models._wire import WireModel

__all__ = [
    "ChannelInfo",
    "ChannelStats",
    "HealthInfo",
    "PendingItem",
    "ServerStats",
    "TaskDependencies",
    "TaskGraph",
]

LISTING_TIME = wire_field(timestamp_form=format_rfc3339)
"""Channel listings write timestamps with ``+00:00`` and null when absent (§3.1)."""


@wire_model
@dataclass
class HealthInfo(WireModel):
    """``GET /api/v1/health``.

    ``version`` is the server crate's version (``"1.0.0"`` for every v1.0.x server,
    ``"0.1.42"`` for v0.1.43-v0.1.46); ``queue_size`` is the number of prompts on screen
    (0 or 1), not the queue length. Fields this SDK does not know are kept in ``extra``.
    """

    status: str
    version: str
    active_connections: int
    queue_size: int
    active_channels: int
    extra: Dict[str, Any] = field(default_factory=dict, metadata=wire_field(catch_all=True))

    wire_name: ClassVar[str] = "health"


@wire_model
@dataclass
class ServerStats(WireModel):
    """``GET /api/stats``: ``total_viewers`` counts every WebSocket connection."""

    total_viewers: int
    agent_connections: int
    viewer_connections: int
    active_channels: int

    wire_name: ClassVar[str] = "stats"


@wire_model
@dataclass
class ChannelInfo(WireModel):
    """One entry of ``GET /api/channels``.

    ``oldest_message`` / ``newest_message`` are the timestamps of the first and last
    *stored* messages (not the minimum and maximum). On the wire they use ``+00:00``.
    """

    name: str
    message_count: int
    oldest_message: Optional[datetime] = field(default=None, metadata=LISTING_TIME)
    newest_message: Optional[datetime] = field(default=None, metadata=LISTING_TIME)

    wire_name: ClassVar[str] = "channel"


@wire_model
@dataclass
class ChannelStats(WireModel):
    """``GET /api/channels/{channel}/stats``; an unknown channel gives 0 and None."""

    channel: str
    message_count: int
    oldest_message: Optional[datetime] = field(default=None, metadata=LISTING_TIME)
    newest_message: Optional[datetime] = field(default=None, metadata=LISTING_TIME)

    wire_name: ClassVar[str] = "channel stats"


@wire_model
@dataclass
class PendingItem(WireModel):
    """One prompt currently on screen (``GET /api/v1/pending``, v1.0.8+).

    ``kind`` is ``"decision"``, ``"authorize"`` (not ``authorization``) or
    ``"navigate"``; ``position`` is 1-based in the whole registry; ``label`` is the
    decision summary without Markdown, the authorization action or the URL.
    """

    message_id: UUID
    kind: str
    channel: str
    position: int
    label: str

    wire_name: ClassVar[str] = "pending item"


@wire_model
@dataclass
class TaskDependencies(WireModel):
    """``GET /api/v1/tasks/{id}/dependencies``: parents of a task.

    ``blocking_for`` is always empty on every server version.
    """

    task_id: UUID
    depends_on: List[UUID] = field(default_factory=list)
    blocking_for: List[UUID] = field(default_factory=list)

    wire_name: ClassVar[str] = "dependencies"


@wire_model
@dataclass
class TaskGraph(WireModel):
    """``GET /api/v1/tasks/{id}/graph``: a task with its *direct* parents and children."""

    task: Task
    parents: List[Task] = field(default_factory=list)
    children: List[Task] = field(default_factory=list)

    wire_name: ClassVar[str] = "graph"

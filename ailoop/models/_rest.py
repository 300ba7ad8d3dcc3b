"""Typed bodies of the REST API (PROTOCOL §4.3): health, stats, channels, pending, tasks."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, List, Optional
from uuid import UUID

from dataclasses_json import CatchAll, Undefined, config

from ailoop._timestamps import format_rfc3339
from ailoop.exceptions import ValidationError
from ailoop.models._task import Task
from ailoop.models._wire import (
    JsonObject,
    WireModel,
    expect_object,
    read_int,
    read_optional_timestamp,
    read_str,
    read_uuid,
    read_uuid_list,
    timestamp_config,
    uuid_config,
    uuid_list_config,
    write_uuid,
)

__all__ = [
    "ChannelInfo",
    "ChannelStats",
    "HealthInfo",
    "PendingItem",
    "ServerStats",
    "TaskDependencies",
    "TaskGraph",
]


def _rfc3339_or_none(moment: Optional[datetime]) -> Optional[str]:
    return None if moment is None else format_rfc3339(moment)


@dataclass
class HealthInfo(WireModel):
    """``GET /api/v1/health``.

    ``version`` is the server crate's version (``"1.0.0"`` for every v1.0.x server,
    ``"0.1.42"`` for v0.1.43-v0.1.46); ``queue_size`` is the number of prompts on screen
    (0 or 1), not the queue length. Fields this SDK does not know are kept in ``extra``.
    """

    dataclass_json_config = config(undefined=Undefined.INCLUDE)["dataclasses_json"]

    status: str
    version: str
    active_connections: int
    queue_size: int
    active_channels: int
    extra: CatchAll = field(default_factory=dict)  # type: ignore[type-arg]

    wire_name: ClassVar[str] = "health"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "HealthInfo":
        known = ("status", "version", "active_connections", "queue_size", "active_channels")
        return cls(
            status=read_str(obj, "status", where),
            version=read_str(obj, "version", where),
            active_connections=read_int(obj, "active_connections", where),
            queue_size=read_int(obj, "queue_size", where),
            active_channels=read_int(obj, "active_channels", where),
            extra={key: value for key, value in obj.items() if key not in known},
        )

    def to_wire(self) -> JsonObject:
        """The five fields in the server's order, then ``extra``."""
        wire: JsonObject = {
            "status": self.status,
            "version": self.version,
            "active_connections": self.active_connections,
            "queue_size": self.queue_size,
            "active_channels": self.active_channels,
        }
        for key, value in (self.extra or {}).items():
            wire.setdefault(key, value)
        return wire


@dataclass
class ServerStats(WireModel):
    """``GET /api/stats``: ``total_viewers`` counts every WebSocket connection."""

    total_viewers: int
    agent_connections: int
    viewer_connections: int
    active_channels: int

    wire_name: ClassVar[str] = "stats"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "ServerStats":
        return cls(
            total_viewers=read_int(obj, "total_viewers", where),
            agent_connections=read_int(obj, "agent_connections", where),
            viewer_connections=read_int(obj, "viewer_connections", where),
            active_channels=read_int(obj, "active_channels", where),
        )

    def to_wire(self) -> JsonObject:
        """The four counters in the server's order."""
        return {
            "total_viewers": self.total_viewers,
            "agent_connections": self.agent_connections,
            "viewer_connections": self.viewer_connections,
            "active_channels": self.active_channels,
        }


@dataclass
class ChannelInfo(WireModel):
    """One entry of ``GET /api/channels``.

    ``oldest_message`` / ``newest_message`` are the timestamps of the first and last
    *stored* messages (not the minimum and maximum). On the wire they use ``+00:00``.
    """

    name: str
    message_count: int
    oldest_message: Optional[datetime] = field(
        default=None,
        metadata=timestamp_config("channel.oldest_message", formatter=format_rfc3339),
    )
    newest_message: Optional[datetime] = field(
        default=None,
        metadata=timestamp_config("channel.newest_message", formatter=format_rfc3339),
    )

    wire_name: ClassVar[str] = "channel"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "ChannelInfo":
        return cls(
            name=read_str(obj, "name", where),
            message_count=read_int(obj, "message_count", where),
            oldest_message=read_optional_timestamp(obj, "oldest_message", where),
            newest_message=read_optional_timestamp(obj, "newest_message", where),
        )

    def to_wire(self) -> JsonObject:
        """Fields in the server's order, timestamps as ``...+00:00`` or null."""
        return {
            "name": self.name,
            "message_count": self.message_count,
            "oldest_message": _rfc3339_or_none(self.oldest_message),
            "newest_message": _rfc3339_or_none(self.newest_message),
        }


@dataclass
class ChannelStats(WireModel):
    """``GET /api/channels/{channel}/stats``; an unknown channel gives 0 and None."""

    channel: str
    message_count: int
    oldest_message: Optional[datetime] = field(
        default=None,
        metadata=timestamp_config("channel_stats.oldest_message", formatter=format_rfc3339),
    )
    newest_message: Optional[datetime] = field(
        default=None,
        metadata=timestamp_config("channel_stats.newest_message", formatter=format_rfc3339),
    )

    wire_name: ClassVar[str] = "channel stats"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "ChannelStats":
        return cls(
            channel=read_str(obj, "channel", where),
            message_count=read_int(obj, "message_count", where),
            oldest_message=read_optional_timestamp(obj, "oldest_message", where),
            newest_message=read_optional_timestamp(obj, "newest_message", where),
        )

    def to_wire(self) -> JsonObject:
        """Fields in the server's order, timestamps as ``...+00:00`` or null."""
        return {
            "channel": self.channel,
            "message_count": self.message_count,
            "oldest_message": _rfc3339_or_none(self.oldest_message),
            "newest_message": _rfc3339_or_none(self.newest_message),
        }


@dataclass
class PendingItem(WireModel):
    """One prompt currently on screen (``GET /api/v1/pending``, v1.0.8+).

    ``kind`` is ``"decision"``, ``"authorize"`` (not ``authorization``) or
    ``"navigate"``; ``position`` is 1-based in the whole registry; ``label`` is the
    decision summary without Markdown, the authorization action or the URL.
    """

    message_id: UUID = field(metadata=uuid_config("pending.message_id"))
    kind: str
    channel: str
    position: int
    label: str

    wire_name: ClassVar[str] = "pending item"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "PendingItem":
        return cls(
            message_id=read_uuid(obj, "message_id", where),
            kind=read_str(obj, "kind", where),
            channel=read_str(obj, "channel", where),
            position=read_int(obj, "position", where),
            label=read_str(obj, "label", where),
        )

    def to_wire(self) -> JsonObject:
        """Fields in the server's order."""
        return {
            "message_id": write_uuid(self.message_id, "pending.message_id"),
            "kind": self.kind,
            "channel": self.channel,
            "position": self.position,
            "label": self.label,
        }


@dataclass
class TaskDependencies(WireModel):
    """``GET /api/v1/tasks/{id}/dependencies``: parents of a task.

    ``blocking_for`` is always empty on every server version.
    """

    task_id: UUID = field(metadata=uuid_config("dependencies.task_id"))
    depends_on: List[UUID] = field(
        default_factory=list, metadata=uuid_list_config("dependencies.depends_on")
    )
    blocking_for: List[UUID] = field(
        default_factory=list, metadata=uuid_list_config("dependencies.blocking_for")
    )

    wire_name: ClassVar[str] = "dependencies"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskDependencies":
        return cls(
            task_id=read_uuid(obj, "task_id", where),
            depends_on=read_uuid_list(obj, "depends_on", where),
            blocking_for=read_uuid_list(obj, "blocking_for", where),
        )

    def to_wire(self) -> JsonObject:
        """``task_id``, ``depends_on``, ``blocking_for``."""
        return {
            "task_id": write_uuid(self.task_id, "dependencies.task_id"),
            "depends_on": [write_uuid(p, "dependencies.depends_on") for p in self.depends_on],
            "blocking_for": [
                write_uuid(c, "dependencies.blocking_for") for c in self.blocking_for
            ],
        }


@dataclass
class TaskGraph(WireModel):
    """``GET /api/v1/tasks/{id}/graph``: a task with its *direct* parents and children."""

    task: Task
    parents: List[Task] = field(default_factory=list)
    children: List[Task] = field(default_factory=list)

    wire_name: ClassVar[str] = "graph"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "TaskGraph":
        return cls(
            task=Task._decode(expect_object(obj.get("task"), f"{where}.task"), f"{where}.task"),
            parents=_tasks(obj, "parents", where),
            children=_tasks(obj, "children", where),
        )

    def to_wire(self) -> JsonObject:
        """``task``, ``parents``, ``children``."""
        return {
            "task": self.task.to_wire(),
            "parents": [parent.to_wire() for parent in self.parents],
            "children": [child.to_wire() for child in self.children],
        }


def _tasks(obj: JsonObject, key: str, where: str) -> List[Task]:
    """A list of tasks (absent or null: empty)."""
    values = obj.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        raise ValidationError(f"{where}.{key}: expected a list of tasks")
    return [
        Task._decode(expect_object(value, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, value in enumerate(values)
    ]

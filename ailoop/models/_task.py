"""The ``Task`` object of the task API (PROTOCOL §3.6)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, List, Optional
from uuid import UUID

from ailoop.models._enums import DependencyType, TaskState
from ailoop.models._wire import (
    JsonObject,
    WireModel,
    enum_config,
    read_bool,
    read_enum,
    read_optional_enum,
    read_optional_str,
    read_str,
    read_timestamp,
    read_uuid,
    read_uuid_list,
    timestamp_config,
    uuid_config,
    uuid_list_config,
    write_enum,
    write_timestamp,
    write_uuid,
)

__all__ = ["Task"]


@dataclass
class Task(WireModel):
    """A task as the server stores it. Every field is always emitted; there is no channel.

    The server never fills ``blocking_for`` (always empty) nor ``dependency_type``
    (always None); ``blocked`` is true while any parent is not ``done``.
    """

    id: UUID = field(metadata=uuid_config("task.id"))
    title: str
    description: str
    state: TaskState = field(metadata=enum_config(TaskState, "task.state"))
    created_at: datetime = field(metadata=timestamp_config("task.created_at"))
    updated_at: datetime = field(metadata=timestamp_config("task.updated_at"))
    assignee: Optional[str] = None
    metadata: Optional[Any] = None
    depends_on: List[UUID] = field(
        default_factory=list, metadata=uuid_list_config("task.depends_on")
    )
    blocking_for: List[UUID] = field(
        default_factory=list, metadata=uuid_list_config("task.blocking_for")
    )
    blocked: bool = False
    dependency_type: Optional[DependencyType] = field(
        default=None, metadata=enum_config(DependencyType, "task.dependency_type")
    )

    wire_name: ClassVar[str] = "task"

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "Task":
        return cls(
            id=read_uuid(obj, "id", where),
            title=read_str(obj, "title", where),
            description=read_str(obj, "description", where),
            state=read_enum(TaskState, obj, "state", where),
            created_at=read_timestamp(obj, "created_at", where),
            updated_at=read_timestamp(obj, "updated_at", where),
            assignee=read_optional_str(obj, "assignee", where),
            metadata=obj.get("metadata"),
            depends_on=read_uuid_list(obj, "depends_on", where),
            blocking_for=read_uuid_list(obj, "blocking_for", where),
            blocked=read_bool(obj, "blocked", where, default=False),
            dependency_type=read_optional_enum(DependencyType, obj, "dependency_type", where),
        )

    def to_wire(self) -> JsonObject:
        """All twelve fields in the server's order, timestamps in UTC with ``Z``."""
        return {
            "id": write_uuid(self.id, "task.id"),
            "title": self.title,
            "description": self.description,
            "state": write_enum(TaskState, self.state, "task.state"),
            "created_at": write_timestamp(self.created_at, "task.created_at"),
            "updated_at": write_timestamp(self.updated_at, "task.updated_at"),
            "assignee": self.assignee,
            "metadata": self.metadata,
            "depends_on": [
                write_uuid(parent, "task.depends_on") for parent in self.depends_on
            ],
            "blocking_for": [
                write_uuid(child, "task.blocking_for") for child in self.blocking_for
            ],
            "blocked": self.blocked,
            "dependency_type": (
                None
                if self.dependency_type is None
                else write_enum(DependencyType, self.dependency_type, "task.dependency_type")
            ),
        }

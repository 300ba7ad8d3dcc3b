"""The ``Task`` object of the task API (PROTOCOL §3.6)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, List, Optional
from uuid import UUID

from ailoop.models._codec import wire_model
from ailoop.models._enums import DependencyType, TaskState
from ailoop.models._wire import WireModel

__all__ = ["Task"]


@wire_model
@dataclass
class Task(WireModel):
    """A task as the server stores it. Every field is always emitted; there is no channel.

    The server never fills ``blocking_for`` (always empty) nor ``dependency_type``
    (always None); ``blocked`` is true while any parent is not ``done``. On the wire all
    twelve fields are present in this order, timestamps in UTC with ``Z``.
    """

    id: UUID
    title: str
    description: str
    state: TaskState
    created_at: datetime
    updated_at: datetime
    assignee: Optional[str] = None
    metadata: Optional[Any] = None
    depends_on: List[UUID] = field(default_factory=list)
    blocking_for: List[UUID] = field(default_factory=list)
    blocked: bool = False
    dependency_type: Optional[DependencyType] = None

    wire_name: ClassVar[str] = "task"

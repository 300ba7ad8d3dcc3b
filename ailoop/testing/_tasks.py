"""Task storage with the real server's semantics and quirks.

Tasks live per ``(channel, id)``.  ``blocked`` is true when any existing parent is not
``done`` (every dependency type blocks); recomputing it re-stamps ``updated_at``, so a new
task's ``updated_at`` is a little later than its ``created_at``.  ``blocking_for`` is
never filled and ``dependency_type`` never set.  Lists are sorted by ``created_at``
except the blocked list, which keeps storage order.
"""

import uuid
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from ._clock import format_epoch_nanos, now_nanos

Task = Dict[str, Any]
_Key = Tuple[str, str]


class _Dependency(NamedTuple):
    parent_id: str
    dependency_type: str


class TaskStore:
    """All tasks and dependency edges of one server instance."""

    def __init__(self) -> None:
        self._tasks: Dict[_Key, Task] = {}
        self._created: Dict[_Key, int] = {}
        self._dependencies: Dict[_Key, List[_Dependency]] = {}

    def create(
        self,
        channel: str,
        title: str,
        description: str,
        assignee: Optional[str],
        metadata: Any,
    ) -> Task:
        """Create a pending task and return it."""
        created = now_nanos()
        stamp = format_epoch_nanos(created)
        task: Task = {
            "id": str(uuid.uuid4()),
            "title": title,
            "description": description,
            "state": "pending",
            "created_at": stamp,
            "updated_at": stamp,
            "assignee": assignee,
            "metadata": metadata,
            "depends_on": [],
            "blocking_for": [],
            "blocked": False,
            "dependency_type": None,
        }
        key = (channel, task["id"])
        self._refresh_blocked(channel, task)
        self._tasks[key] = task
        self._created[key] = created
        return task

    def get(self, channel: str, task_id: str) -> Optional[Task]:
        """One task, or None."""
        return self._tasks.get((channel, task_id))

    def _in_channel(self, channel: str) -> List[Tuple[_Key, Task]]:
        return [(key, task) for key, task in self._tasks.items() if key[0] == channel]

    def _sorted(self, entries: List[Tuple[_Key, Task]]) -> List[Task]:
        return [task for key, task in sorted(entries, key=lambda item: self._created[item[0]])]

    def list(self, channel: str, state: Optional[str]) -> List[Task]:
        """Tasks of a channel, optionally of one state, by creation time."""
        return self._sorted(
            [(k, t) for k, t in self._in_channel(channel) if state is None or t["state"] == state]
        )

    def ready(self, channel: str) -> List[Task]:
        """Unblocked tasks by creation time (``done`` and ``abandoned`` ones included)."""
        return self._sorted([(k, t) for k, t in self._in_channel(channel) if not t["blocked"]])

    def blocked(self, channel: str) -> List[Task]:
        """Blocked tasks, unsorted (storage order)."""
        return [task for _, task in self._in_channel(channel) if task["blocked"]]

    def update_state(self, channel: str, task_id: str, state: str) -> Optional[Task]:
        """Set a task's state and recompute it and its direct children; None when absent."""
        task = self._tasks.get((channel, task_id))
        if task is None:
            return None
        task["state"] = state
        task["updated_at"] = format_epoch_nanos(now_nanos())
        self._refresh_blocked(channel, task)
        for _, child in self._in_channel(channel):
            if task_id in child["depends_on"]:
                self._refresh_blocked(channel, child)
        return task

    def add_dependency(
        self, channel: str, child_id: str, parent_id: str, dependency_type: str
    ) -> Optional[str]:
        """Add the edge child -> parent; returns the failure reason, or None on success."""
        child = self._tasks.get((channel, child_id))
        if child is None:
            return f"Child task {child_id} not found"
        if (channel, parent_id) not in self._tasks:
            return f"Parent task {parent_id} not found"
        edges = self._dependencies.setdefault((channel, child_id), [])
        if any(edge.parent_id == parent_id for edge in edges):
            return "Dependency already exists"
        if self._reaches(channel, parent_id, child_id, set()):
            return (
                "Circular dependency detected: cannot add dependency "
                f"from {child_id} to {parent_id}"
            )
        edges.append(_Dependency(parent_id, dependency_type))
        child["depends_on"].append(parent_id)
        self._refresh_blocked(channel, child)
        return None

    def remove_dependency(self, channel: str, child_id: str, parent_id: str) -> None:
        """Remove the edge child -> parent if present (never an error)."""
        edges = self._dependencies.get((channel, child_id))
        if edges is not None:
            edges[:] = [edge for edge in edges if edge.parent_id != parent_id]
        child = self._tasks.get((channel, child_id))
        if child is not None:
            child["depends_on"] = [p for p in child["depends_on"] if p != parent_id]
            self._refresh_blocked(channel, child)

    def graph(self, channel: str, task_id: str) -> Optional[Dict[str, Any]]:
        """The task with its direct parents and children (one level), or None."""
        task = self._tasks.get((channel, task_id))
        if task is None:
            return None
        parents = [
            self._tasks[(channel, edge.parent_id)]
            for edge in self._dependencies.get((channel, task_id), [])
            if (channel, edge.parent_id) in self._tasks
        ]
        children = [
            child
            for (child_channel, child_id), child in self._in_channel(channel)
            for edge in self._dependencies.get((child_channel, child_id), [])
            if edge.parent_id == task_id
        ]
        return {"task": task, "parents": parents, "children": children}

    def _refresh_blocked(self, channel: str, task: Task) -> None:
        blocked = False
        for parent_id in task["depends_on"]:
            parent = self._tasks.get((channel, parent_id))
            if parent is not None and parent["state"] != "done":
                blocked = True
                break
        task["blocked"] = blocked
        task["updated_at"] = format_epoch_nanos(now_nanos())

    def _reaches(self, channel: str, start: str, target: str, visited: Set[str]) -> bool:
        if start == target:
            return True
        if start in visited:
            return False
        visited.add(start)
        return any(
            self._reaches(channel, edge.parent_id, target, visited)
            for edge in self._dependencies.get((channel, start), [])
        )

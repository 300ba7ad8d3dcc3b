"""REST body models and ``Task``: liberal decoding, rejections, wrapper lists."""

from datetime import datetime, timezone
from typing import Any, Dict
from uuid import UUID

import pytest

from ailoop import (
    ChannelInfo,
    ChannelStats,
    DependencyType,
    HealthInfo,
    Message,
    PendingItem,
    ServerStats,
    Task,
    TaskDependencies,
    TaskGraph,
    TaskState,
    ValidationError,
)

TASK_ID = "7d0e2c5a-3b1f-4a6e-9d8c-1f2e3d4c5b6a"
PARENT_ID = "2b3c4d5e-6f70-4812-93a4-b5c6d7e8f901"


def task_frame(**changes: Any) -> Dict[str, Any]:
    frame: Dict[str, Any] = {
        "id": TASK_ID,
        "title": "Rotate credentials",
        "description": "",
        "state": "pending",
        "created_at": "2026-06-11T10:00:00.100200300Z",
        "updated_at": "2026-06-11T10:00:00.100204512Z",
        "assignee": None,
        "metadata": None,
        "depends_on": [PARENT_ID],
        "blocking_for": [],
        "blocked": True,
        "dependency_type": None,
    }
    frame.update(changes)
    return frame


class TestTask:
    def test_decodes_all_fields(self) -> None:
        task = Task.from_wire(task_frame(dependency_type="Blocks", metadata=[1]))
        assert task.id == UUID(TASK_ID)
        assert task.state is TaskState.PENDING
        assert task.created_at == datetime(2026, 6, 11, 10, 0, 0, 100200, timezone.utc)
        assert task.depends_on == [UUID(PARENT_ID)]
        assert task.blocked is True
        assert task.dependency_type is DependencyType.BLOCKS
        assert task.metadata == [1]

    def test_every_field_is_always_emitted(self) -> None:
        wire = Task.from_wire(task_frame()).to_wire()
        assert list(wire) == list(task_frame())
        assert wire["assignee"] is None and wire["metadata"] is None
        assert wire["dependency_type"] is None

    def test_optional_fields_may_be_absent(self) -> None:
        frame = task_frame()
        for key in ("assignee", "metadata", "depends_on", "blocking_for", "blocked"):
            del frame[key]
        del frame["dependency_type"]
        task = Task.from_wire(frame)
        assert task.depends_on == [] and task.blocking_for == []
        assert task.blocked is False and task.assignee is None

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"id": None}, "task.id"),
            ({"title": 3}, "task.title"),
            ({"state": "open"}, "task.state"),
            ({"created_at": "now"}, "task.created_at"),
            ({"depends_on": PARENT_ID}, "task.depends_on"),
            ({"depends_on": ["x"]}, r"task.depends_on\[0\]"),
            ({"blocked": "yes"}, "task.blocked"),
            ({"dependency_type": "child"}, "task.dependency_type"),
            ({"assignee": 5}, "task.assignee"),
        ],
    )
    def test_rejections_name_the_field(self, changes: Dict[str, Any], field: str) -> None:
        with pytest.raises(ValidationError, match=field):
            Task.from_wire(task_frame(**changes))


class TestHealth:
    def test_unknown_fields_are_kept_in_extra_and_sent_back(self) -> None:
        body = {
            "status": "healthy",
            "version": "1.0.0",
            "active_connections": 2,
            "queue_size": 1,
            "active_channels": 2,
            "uptime": 12,
        }
        health = HealthInfo.from_wire(body)
        assert health.extra == {"uptime": 12}
        assert health.to_wire() == body
        assert health.to_dict() == body
        assert HealthInfo.from_dict(body) == health

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"version": None}, "health.version"),
            ({"queue_size": -1}, "health.queue_size"),
            ({"queue_size": "1"}, "health.queue_size"),
            ({"active_channels": True}, "health.active_channels"),
        ],
    )
    def test_rejections(self, changes: Dict[str, Any], field: str) -> None:
        body = {
            "status": "healthy",
            "version": "1.0.0",
            "active_connections": 0,
            "queue_size": 0,
            "active_channels": 0,
        }
        body.update(changes)
        with pytest.raises(ValidationError, match=field):
            HealthInfo.from_wire({key: value for key, value in body.items() if value is not None})

    def test_an_html_page_is_not_health(self) -> None:
        with pytest.raises(ValidationError, match="health: expected a JSON object, got str"):
            HealthInfo.from_wire("<html>502 Bad Gateway</html>")


class TestListings:
    def test_from_wire_list_errors(self) -> None:
        with pytest.raises(ValidationError, match="response body: expected a JSON object"):
            ChannelInfo.from_wire_list([], "channels")
        with pytest.raises(ValidationError, match=r"response body.channels: missing"):
            ChannelInfo.from_wire_list({}, "channels")
        with pytest.raises(ValidationError, match=r"response body.channels: not a list \(dict\)"):
            ChannelInfo.from_wire_list({"channels": {}}, "channels")
        with pytest.raises(ValidationError, match=r"channels\[1\]: expected a JSON object"):
            ChannelInfo.from_wire_list(
                {"channels": [{"name": "a", "message_count": 0}, None]}, "channels"
            )
        with pytest.raises(ValidationError, match=r"messages\[0\].id"):
            Message.from_wire_list({"messages": [{}]}, "messages")

    def test_channel_info_timestamps_may_be_null_or_absent(self) -> None:
        info = ChannelInfo.from_wire({"name": "ops", "message_count": 0})
        assert info.oldest_message is None and info.newest_message is None
        assert info.to_wire() == {
            "name": "ops",
            "message_count": 0,
            "oldest_message": None,
            "newest_message": None,
        }

    def test_channel_stats_timestamps_use_plus_zero(self) -> None:
        stats = ChannelStats.from_wire(
            {
                "channel": "ops",
                "message_count": 1,
                "oldest_message": "2026-06-11T11:30:00+02:00",
                "newest_message": "2026-06-11T09:30:00.5Z",
            }
        )
        assert stats.to_wire()["oldest_message"] == "2026-06-11T09:30:00+00:00"
        assert stats.to_wire()["newest_message"] == "2026-06-11T09:30:00.500+00:00"

    def test_pending_item(self) -> None:
        item = PendingItem.from_wire(
            {
                "message_id": TASK_ID.upper(),
                "kind": "authorize",
                "channel": "ops",
                "position": 2,
                "label": "Deploy",
                "future": True,
            }
        )
        assert item.message_id == UUID(TASK_ID)
        assert item.to_wire()["message_id"] == TASK_ID
        assert "future" not in item.to_wire()

    def test_stats_rejects_missing_counter(self) -> None:
        with pytest.raises(ValidationError, match=r"stats.total_viewers: missing"):
            ServerStats.from_wire({"agent_connections": 0})

    def test_dependencies_and_graph(self) -> None:
        dependencies = TaskDependencies.from_wire(
            {"blocking_for": [], "depends_on": [PARENT_ID], "task_id": TASK_ID}
        )
        assert list(dependencies.to_wire()) == ["task_id", "depends_on", "blocking_for"]
        graph = TaskGraph.from_wire({"task": task_frame()})
        assert graph.parents == [] and graph.children == []
        with pytest.raises(ValidationError, match=r"graph.parents\[0\].id"):
            TaskGraph.from_wire({"task": task_frame(), "parents": [{}]})
        with pytest.raises(ValidationError, match=r"graph.children: expected a list"):
            TaskGraph.from_wire({"task": task_frame(), "children": {}})
        with pytest.raises(ValidationError, match=r"graph.task: expected a JSON object"):
            TaskGraph.from_wire({"parents": []})

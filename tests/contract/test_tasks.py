"""The task board and its dependencies."""

import uuid

import pytest

import ailoop
from ailoop import AiloopClient

from .conftest import Target, Wire

pytestmark = pytest.mark.timeout(60)


def test_create_get_and_update(client: AiloopClient, channel: str) -> None:
    task = client.create_task("Migrate", "Move the data", assignee="ops", metadata={"ticket": 7})
    assert (task.title, task.description, task.state) == ("Migrate", "Move the data", "pending")
    assert (task.assignee, task.metadata) == ("ops", {"ticket": 7})
    assert (task.depends_on, task.blocking_for, task.blocked) == ([], [], False)
    assert client.get_task(task.id, channel) == task
    done = client.update_task(task.id, "done", channel)
    assert done.state == "done" and done.updated_at >= task.updated_at
    assert client.get_task(task.id, channel).state == "done"


def test_list_tasks_by_state(client: AiloopClient, channel: str) -> None:
    first = client.create_task("one", "1")
    second = client.create_task("two", "2")
    client.update_task(second.id, "abandoned", channel)
    assert [t.id for t in client.list_tasks(channel)] == [first.id, second.id]
    assert [t.id for t in client.list_tasks(channel, state="abandoned")] == [second.id]
    assert [t.id for t in client.list_tasks(channel, state="pending")] == [first.id]


def test_unknown_task_is_not_found(client: AiloopClient, channel: str) -> None:
    missing = uuid.uuid4()
    with pytest.raises(ailoop.NotFoundError):
        client.get_task(missing, channel)
    with pytest.raises(ailoop.NotFoundError):
        client.update_task(missing, "done", channel)
    with pytest.raises(ailoop.NotFoundError):
        client.get_task_dependencies(missing, channel)
    with pytest.raises(ailoop.NotFoundError):
        client.get_dependency_graph(missing, channel)


def test_tasks_live_in_their_channel(client: AiloopClient, channel: str) -> None:
    task = client.create_task("scoped", "only here")
    with pytest.raises(ailoop.NotFoundError):
        client.get_task(task.id, channel + "-other")


def test_dependencies_block_until_the_parent_is_done(client: AiloopClient, channel: str) -> None:
    parent = client.create_task("parent", "first")
    child = client.create_task("child", "second")
    client.add_dependency(child.id, parent.id, "blocks", channel)
    blocked_child = client.get_task(child.id, channel)
    assert blocked_child.blocked and blocked_child.depends_on == [parent.id]
    assert [t.id for t in client.get_blocked_tasks(channel)] == [child.id]
    assert [t.id for t in client.get_ready_tasks(channel)] == [parent.id]
    deps = client.get_task_dependencies(child.id, channel)
    assert (deps.task_id, deps.depends_on, deps.blocking_for) == (child.id, [parent.id], [])
    graph = client.get_dependency_graph(parent.id, channel)
    assert graph.task.id == parent.id
    assert ([t.id for t in graph.parents], [t.id for t in graph.children]) == ([], [child.id])
    client.update_task(parent.id, "done", channel)
    assert not client.get_task(child.id, channel).blocked
    assert {t.id for t in client.get_ready_tasks(channel)} == {parent.id, child.id}
    assert client.get_blocked_tasks(channel) == []


def test_remove_dependency_unblocks(client: AiloopClient, channel: str) -> None:
    parent = client.create_task("parent", "p")
    child = client.create_task("child", "c")
    client.add_dependency(child.id, parent.id, "parent", channel)
    client.remove_dependency(child.id, parent.id, channel)
    assert client.get_task_dependencies(child.id, channel).depends_on == []
    assert not client.get_task(child.id, channel).blocked
    client.remove_dependency(child.id, parent.id, channel)  # nothing left: still fine


def test_dependency_errors(client: AiloopClient, channel: str, target: Target) -> None:
    # Warp-era servers (v1.0.0) answer every rejected POST 405 without saying why.
    def reason(text: str) -> str:
        return text if target.protocol == "v1" else "405"

    parent = client.create_task("parent", "p")
    child = client.create_task("child", "c")
    client.add_dependency(child.id, parent.id, "blocks", channel)
    with pytest.raises(ailoop.ValidationError, match=reason("Dependency already exists")):
        client.add_dependency(child.id, parent.id, "blocks", channel)
    with pytest.raises(ailoop.ValidationError, match=reason("Circular dependency")):
        client.add_dependency(parent.id, child.id, "blocks", channel)
    with pytest.raises(ailoop.ValidationError, match=reason("not found")):
        client.add_dependency(child.id, uuid.uuid4(), "blocks", channel)


def test_task_routes_on_the_wire(wire: Wire, channel: str, target: Target) -> None:
    created = wire.post(
        "/api/v1/tasks", json={"title": "t", "description": "d", "channel": channel}
    )
    assert created.status_code == 201
    listing = wire.get("/api/v1/tasks", params={"channel": channel, "state": "PENDING"})
    assert listing.json()["total_count"] == 1  # a state that is not exact means no filter
    # channel is required (warp-era servers answer 405 to any rejected request there)
    assert wire.get("/api/v1/tasks").status_code == (400 if target.protocol == "v1" else 405)
    missing = str(uuid.uuid4())
    reply = wire.get(f"/api/v1/tasks/{missing}", params={"channel": channel})
    assert (reply.status_code, reply.json()) == (
        404,
        {"error": "Task not found", "task_id": missing},
    )

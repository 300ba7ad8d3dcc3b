"""Every REST method against the stand-in, in both protocol eras."""

from uuid import UUID, uuid4

import pytest

import ailoop
from ailoop import (
    ChannelInfo,
    ChannelStats,
    HealthInfo,
    Message,
    NotFoundError,
    NotificationContent,
    NotificationPriority,
    ResponseContent,
    ResponseType,
    SenderType,
    ServerStats,
    Task,
    TaskDependencies,
    TaskGraph,
    TaskState,
    ValidationError,
)

from .conftest import request_paths


def test_get_health(client, era):
    health = client.get_health()
    assert isinstance(health, HealthInfo)
    assert health.status == "healthy"
    assert health.version == "1.0.0"


def test_get_stats(client):
    stats = client.get_stats()
    assert isinstance(stats, ServerStats)
    assert stats.total_viewers == stats.agent_connections + stats.viewer_connections


def test_say_returns_the_servers_copy(client, server):
    sent = client.say("build 42 is green", priority="high")
    assert isinstance(sent, Message)
    assert isinstance(sent.content, NotificationContent)
    assert sent.content.text == "build 42 is green"
    assert sent.content.priority is NotificationPriority.HIGH
    assert sent.sender_type is SenderType.AGENT
    assert sent.channel == "public"
    assert request_paths(server) == ["POST /api/v1/messages"]
    request = server.requests[0]
    assert request.headers["Content-Type"].startswith("application/json")


def test_say_default_priority_is_normal_and_other_channels_work(client):
    sent = client.say("hi", channel="ops")
    assert sent.content.priority is NotificationPriority.NORMAL
    assert sent.channel == "ops"


def test_history_channels_and_stats(client):
    first = client.say("one", channel="ops")
    second = client.say("two", channel="ops")
    messages = client.get_channel_messages("ops")
    assert [message.id for message in messages] == [first.id, second.id]
    assert [message.id for message in client.get_channel_messages("ops", limit=1)] == [second.id]
    assert client.get_channel_messages("ops", limit=0) == []
    assert client.get_channel_messages("nobody-here") == []
    channels = client.get_channels()
    assert all(isinstance(channel, ChannelInfo) for channel in channels)
    assert {channel.name: channel.message_count for channel in channels}["ops"] == 2
    stats = client.get_channel_stats("ops")
    assert isinstance(stats, ChannelStats)
    assert (stats.channel, stats.message_count) == ("ops", 2)
    assert client.get_channel_stats("empty").message_count == 0


def test_channel_path_segments_are_url_encoded(client, server):
    assert client.get_channel_messages("odd name/x") == []
    assert client.get_channel_stats("odd name/x").message_count == 0
    paths = request_paths(server)
    assert paths[0] == "GET /api/channels/odd%20name%2Fx/messages?limit=100"
    assert paths[1] == "GET /api/channels/odd%20name%2Fx/stats"


def test_get_message_and_unknown_ids(client):
    sent = client.say("find me")
    assert client.get_message(sent.id) == sent
    assert client.get_message(str(sent.id).upper()) == sent
    missing = uuid4()
    with pytest.raises(NotFoundError) as caught:
        client.get_message(missing)
    error = caught.value
    assert error.status_code == 404
    assert error.message_id == missing
    assert error.server_message == "Message not found"
    assert (error.method, error.path) == ("GET", f"/api/v1/messages/{missing}")


def test_respond_posts_to_the_response_route(client, server):
    original = client.say("anyone?")
    response = client.respond(original.id, "yes")
    assert isinstance(response.content, ResponseContent)
    assert response.content.answer == "yes"
    assert response.content.response_type is ResponseType.TEXT
    assert response.correlation_id == original.id
    assert response.sender_type is SenderType.HUMAN
    assert f"POST /api/v1/messages/{original.id}/response" in request_paths(server)
    denied = client.respond(str(original.id), response_type="authorization_denied")
    assert denied.content.answer is None
    assert denied.content.response_type is ResponseType.AUTHORIZATION_DENIED


def test_respond_to_an_unknown_message(client):
    missing = uuid4()
    with pytest.raises(NotFoundError) as caught:
        client.respond(missing, "x")
    assert caught.value.message_id == missing
    assert caught.value.server_message == "Original message not found"


def test_get_pending(client, era):
    if era == "v0":
        # v1.0.0 predates the pending API
        with pytest.raises(NotFoundError):
            client.get_pending()
        return
    assert client.get_pending() == []
    assert client.get_pending(channel="ops") == []


def test_task_lifecycle(client, server):
    parent = client.create_task("Build", "compile it", assignee="ci", metadata={"n": 1})
    child = client.create_task("Ship", "release it")
    assert isinstance(parent, Task)
    assert parent.state is TaskState.PENDING
    assert (parent.title, parent.assignee, parent.metadata) == ("Build", "ci", {"n": 1})
    assert client.get_task(parent.id) == parent

    client.add_dependency(child.id, parent.id)
    assert client.get_task(child.id).blocked
    dependencies = client.get_task_dependencies(child.id)
    assert isinstance(dependencies, TaskDependencies)
    assert dependencies.depends_on == [parent.id]
    assert [task.id for task in client.get_blocked_tasks()] == [child.id]
    assert [task.id for task in client.get_ready_tasks()] == [parent.id]
    graph = client.get_dependency_graph(child.id)
    assert isinstance(graph, TaskGraph)
    assert graph.task.id == child.id
    assert [task.id for task in graph.parents] == [parent.id]

    done = client.update_task(parent.id, "done")
    assert done.state is TaskState.DONE
    assert not client.get_task(child.id).blocked
    assert [task.id for task in client.list_tasks(state=TaskState.DONE)] == [parent.id]
    assert [task.id for task in client.list_tasks(state="PENDING")] == [child.id]
    assert {task.id for task in client.list_tasks()} == {parent.id, child.id}

    client.remove_dependency(child.id, parent.id)
    client.remove_dependency(child.id, parent.id)  # absent: still fine
    assert client.get_task_dependencies(child.id).depends_on == []


def test_tasks_always_name_the_channel(client, server):
    task = client.create_task("t", "d", channel="ops")
    other = client.create_task("u", "d", channel="ops")
    client.get_task(task.id, channel="ops")
    client.update_task(task.id, "abandoned", channel="ops")
    client.list_tasks(channel="ops")
    client.get_ready_tasks(channel="ops")
    client.get_blocked_tasks(channel="ops")
    client.add_dependency(task.id, other.id, type="related", channel="ops")
    client.get_task_dependencies(task.id, channel="ops")
    client.get_dependency_graph(task.id, channel="ops")
    client.remove_dependency(task.id, other.id, channel="ops")
    queried = [path for path in request_paths(server) if "/api/v1/tasks/" in path or "?" in path]
    assert queried and all("channel=ops" in path for path in queried)
    # with the default channel, the client's channel is passed explicitly
    client.get_ready_tasks()
    assert request_paths(server)[-1] == "GET /api/v1/tasks/ready?channel=public"
    # tasks of another channel are not visible in the default one
    with pytest.raises(NotFoundError) as caught:
        client.get_task(task.id)
    assert caught.value.task_id == task.id


def test_dependency_errors_are_validation_errors(client, era):
    task = client.create_task("t", "d")
    with pytest.raises(ValidationError) as caught:
        client.add_dependency(task.id, task.id)
    if era == "v1":
        assert caught.value.status_code == 400
        assert "Circular" in (caught.value.server_message or "")
    else:  # warp-era servers answer every rejected POST with 405
        assert caught.value.status_code == 405
    with pytest.raises(ValidationError):
        client.add_dependency(task.id, uuid4())


def test_unknown_tasks_are_not_found(client):
    missing = uuid4()
    for call in (
        lambda: client.get_task(missing),
        lambda: client.update_task(missing, "done"),
        lambda: client.get_task_dependencies(missing),
        lambda: client.get_dependency_graph(missing),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        assert caught.value.task_id == missing


def test_check_version_compatibility(client, era):
    info = client.check_version_compatibility()
    assert set(info) == {
        "server_version",
        "client_version",
        "compatible",
        "health_data",
        "protocol",
    }
    assert info["server_version"] == "1.0.0"
    assert info["client_version"] == ailoop.__version__
    assert info["compatible"] is True
    assert info["protocol"] == era
    assert info["health_data"]["status"] == "healthy"


def test_user_agent_names_the_sdk_version(client, server):
    client.get_stats()
    assert server.requests[0].headers["User-Agent"] == f"ailoop-py/{ailoop.__version__}"
    assert "Authorization" not in server.requests[0].headers


def test_ids_may_be_uuid_objects_or_strings(client):
    sent = client.say("x")
    assert isinstance(sent.id, UUID)
    assert client.get_message(str(sent.id)).id == sent.id

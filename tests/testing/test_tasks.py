"""Task API (PROTOCOL §3.6, §4.3 Tasks)."""

import uuid
from typing import Any, Dict, Optional

import pytest

from .conftest import Http, Ws

TASK_KEYS = [
    "id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "assignee",
    "metadata",
    "depends_on",
    "blocking_for",
    "blocked",
    "dependency_type",
]


def create(http: Http, title: str = "t", channel: str = "ops", **extra: Any) -> Dict[str, Any]:
    response = http.post(
        "/api/v1/tasks", json={"title": title, "description": "", "channel": channel, **extra}
    )
    assert response.status_code == 201
    task: Dict[str, Any] = response.json()
    return task


def depend(
    http: Http, child: str, parent: str, kind: str = "blocks", channel: Optional[str] = "ops"
) -> Any:
    query = "" if channel is None else f"?channel={channel}"
    return http.post(
        f"/api/v1/tasks/{child}/dependencies{query}",
        json={"child_id": str(uuid.uuid4()), "parent_id": parent, "dependency_type": kind},
    )


def set_state(http: Http, task_id: str, state: str, channel: str = "ops") -> Any:
    return http.put(f"/api/v1/tasks/{task_id}?channel={channel}", json={"state": state})


def test_create_answers_201_with_every_field(http: Http) -> None:
    task = create(http, "Rotate", assignee="alice", metadata={"ticket": "OPS-42"}, channel="ops")
    assert list(task) == TASK_KEYS
    assert task["state"] == "pending"
    assert (task["assignee"], task["metadata"]) == ("alice", {"ticket": "OPS-42"})
    assert (task["depends_on"], task["blocking_for"], task["blocked"], task["dependency_type"]) == (
        [],
        [],
        False,
        None,
    )
    assert task["created_at"].endswith("Z")
    assert task["updated_at"] > task["created_at"]


@pytest.mark.parametrize(
    "body",
    [
        {"title": "t", "description": ""},
        {"title": "t", "channel": "c"},
        {"title": 1, "description": "", "channel": "c"},
    ],
)
def test_create_schema_errors_are_422(http: Http, body: Dict[str, Any]) -> None:
    assert http.post("/api/v1/tasks", json=body).status_code == 422


def test_channel_is_never_validated_for_tasks(http: Http) -> None:
    task = create(http, channel="System")
    assert http.get(f"/api/v1/tasks/{task['id']}?channel=System").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/tasks", "/api/v1/tasks/ready", "/api/v1/tasks/blocked"])
def test_list_routes_require_a_channel(http: Http, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_id_routes_default_to_the_public_channel(http: Http) -> None:
    public = create(http, channel="public")
    other = create(http, channel="ops")
    assert http.get(f"/api/v1/tasks/{public['id']}").json()["id"] == public["id"]
    assert http.get(f"/api/v1/tasks/{other['id']}").status_code == 404
    assert http.get(f"/api/v1/tasks/{public['id']}?channel=").status_code == 404


def test_list_sorted_with_exact_state_filter(http: Http) -> None:
    first, second = create(http, "1"), create(http, "2")
    set_state(http, first["id"], "done")
    body = http.get("/api/v1/tasks?channel=ops").json()
    assert (body["channel"], body["total_count"]) == ("ops", 2)
    assert [t["id"] for t in body["tasks"]] == [first["id"], second["id"]]
    assert [t["id"] for t in http.get("/api/v1/tasks?channel=ops&state=done").json()["tasks"]] == [
        first["id"]
    ]
    for unfiltered in ("Done", "completed", ""):
        assert http.get(f"/api/v1/tasks?channel=ops&state={unfiltered}").json()["total_count"] == 2
    assert http.get("/api/v1/tasks?channel=elsewhere").json()["tasks"] == []


def test_dependencies_block_until_the_parent_is_done(http: Http) -> None:
    parent, child = create(http, "parent"), create(http, "child")
    assert depend(http, child["id"], parent["id"], "related").json() == {"status": "ok"}
    blocked = http.get(f"/api/v1/tasks/{child['id']}?channel=ops").json()
    assert (blocked["blocked"], blocked["depends_on"], blocked["dependency_type"]) == (
        True,
        [parent["id"]],
        None,
    )
    assert http.get(f"/api/v1/tasks/{parent['id']}/dependencies?channel=ops").json() == {
        "task_id": parent["id"],
        "depends_on": [],
        "blocking_for": [],
    }
    assert [t["id"] for t in http.get("/api/v1/tasks/blocked?channel=ops").json()["tasks"]] == [
        child["id"]
    ]
    done = set_state(http, parent["id"], "done").json()
    assert done["state"] == "done"
    ready = http.get("/api/v1/tasks/ready?channel=ops").json()["tasks"]
    assert [t["id"] for t in ready] == [parent["id"], child["id"]]
    assert http.get("/api/v1/tasks/blocked?channel=ops").json()["total_count"] == 0


def circular(child: str, parent: str) -> str:
    return f"Circular dependency detected: cannot add dependency from {child} to {parent}"


def test_add_dependency_errors(http: Http) -> None:
    first, second = create(http), create(http)
    missing = str(uuid.uuid4())
    cases = [
        (depend(http, missing, first["id"]), f"Child task {missing} not found"),
        (depend(http, first["id"], missing), f"Parent task {missing} not found"),
        (depend(http, first["id"], first["id"]), circular(first["id"], first["id"])),
    ]
    assert depend(http, second["id"], first["id"]).status_code == 200
    cases.append((depend(http, second["id"], first["id"]), "Dependency already exists"))
    cases.append((depend(http, first["id"], second["id"]), circular(first["id"], second["id"])))
    for response, reason in cases:
        assert response.status_code == 400
        assert response.json() == {"error": f"Failed to add dependency: {reason}"}


def test_add_dependency_requires_every_field_and_ignores_child_id(http: Http) -> None:
    parent, child = create(http), create(http)
    body = {"parent_id": parent["id"], "dependency_type": "parent"}
    response = http.post(f"/api/v1/tasks/{child['id']}/dependencies?channel=ops", json=body)
    assert response.status_code == 422
    body["child_id"] = parent["id"]
    response = http.post(f"/api/v1/tasks/{child['id']}/dependencies?channel=ops", json=body)
    assert response.status_code == 200
    assert http.get(f"/api/v1/tasks/{child['id']}?channel=ops").json()["depends_on"] == [
        parent["id"]
    ]


def test_delete_dependency_always_ok(http: Http) -> None:
    parent, child = create(http), create(http)
    depend(http, child["id"], parent["id"])
    path = f"/api/v1/tasks/{child['id']}/dependencies/{parent['id']}?channel=ops"
    assert http.delete(path).json() == {"status": "ok"}
    assert http.get(f"/api/v1/tasks/{child['id']}?channel=ops").json()["blocked"] is False
    assert http.delete(path).json() == {"status": "ok"}
    assert (
        http.delete(f"/api/v1/tasks/{uuid.uuid4()}/dependencies/{uuid.uuid4()}").status_code == 200
    )
    assert http.delete(f"/api/v1/tasks/{uuid.uuid4()}/dependencies/nope").status_code == 400


def test_graph_shows_direct_parents_and_children_only(http: Http) -> None:
    grandparent, parent, child = create(http, "g"), create(http, "p"), create(http, "c")
    depend(http, parent["id"], grandparent["id"])
    depend(http, child["id"], parent["id"])
    graph = http.get(f"/api/v1/tasks/{parent['id']}/graph?channel=ops").json()
    assert graph["task"]["id"] == parent["id"]
    assert [t["id"] for t in graph["parents"]] == [grandparent["id"]]
    assert [t["id"] for t in graph["children"]] == [child["id"]]


def test_task_not_found_bodies(http: Http) -> None:
    missing = str(uuid.uuid4())
    assert http.get(f"/api/v1/tasks/{missing}?channel=ops").json() == {
        "error": "Task not found",
        "task_id": missing,
    }
    assert http.get(f"/api/v1/tasks/{missing}/dependencies").json() == {
        "error": "Task not found",
        "task_id": missing,
    }
    graph = http.get(f"/api/v1/tasks/{missing}/graph")
    assert (graph.status_code, graph.json()) == (
        404,
        {"error": f"Task {missing} not found", "task_id": missing},
    )
    put = set_state(http, missing, "done", channel="ops")
    assert (put.status_code, put.json()) == (
        404,
        {"error": f"Task {missing} not found in channel ops", "task_id": missing},
    )


@pytest.mark.parametrize("state", ["completed", "in_progress", "Done"])
def test_update_with_unknown_state_is_422(http: Http, state: object) -> None:
    task = create(http)
    assert (
        http.put(f"/api/v1/tasks/{task['id']}?channel=ops", json={"state": state}).status_code
        == 422
    )


def test_update_with_a_non_string_state_is_a_syntax_error(http: Http) -> None:
    # serde_json reads an enum only from a string or an object: anything else is a 400.
    task = create(http)
    reply = http.put(
        f"/api/v1/tasks/{task['id']}?channel=ops",
        data=b'{"state":null}',
        headers={"Content-Type": "application/json"},
    )
    assert (reply.status_code, reply.text) == (
        400,
        "Failed to parse the request body as JSON: state: expected value at line 1 column 10",
    )


def test_update_bad_uuid_is_400_before_the_body(http: Http) -> None:
    assert http.put("/api/v1/tasks/nope", data="not json").status_code == 400


def test_task_routes_broadcast_nothing(http: Http, viewer: Ws) -> None:
    task = create(http)
    set_state(http, task["id"], "abandoned")
    marker = {
        "id": str(uuid.uuid4()),
        "channel": "ops",
        "sender_type": "AGENT",
        "content": {"type": "notification", "text": "m"},
        "timestamp": "2026-06-11T09:30:00Z",
    }
    http.post("/api/v1/messages", json=marker)
    assert viewer.recv_json()["id"] == marker["id"]

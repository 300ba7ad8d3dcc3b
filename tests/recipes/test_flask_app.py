"""The Flask recipe (examples/flask_app) through Flask's test client against the stand-in."""

from typing import Iterator

import pytest

pytest.importorskip("flask")

from flask import Flask
from flask_app import create_app
from flask_app.extension import ailoop_ext

from ailoop.testing import AiloopTestServer
from tests.recipes.conftest import answer_in_text, typing


@pytest.fixture
def app(ailoop_server: AiloopTestServer) -> Iterator[Flask]:
    """The recipe app configured for this test's stand-in server."""
    app = create_app(
        {"TESTING": True, "AILOOP_SERVER_URL": ailoop_server.url, "AILOOP_CHANNEL": "deploys"}
    )
    yield app
    ailoop_ext.close(app)


@pytest.mark.ailoop_server(human=typing("yes"))
def test_deploy_runs_after_approval(app: Flask, ailoop_server: AiloopTestServer) -> None:
    response = app.test_client().post("/deploy", json={"version": "1.4.2"})

    assert response.status_code == 200
    assert response.get_json() == {"status": "deployed", "version": "1.4.2"}
    assert app.extensions["deployed_versions"] == ["1.4.2"]
    prompt = ailoop_server.messages("deploys")[0]
    assert prompt.content.to_wire()["action"] == "Deploy 1.4.2 to production"
    assert prompt.content.to_wire()["context"]["version"] == "1.4.2"


@pytest.mark.ailoop_server(human=typing("no"))
def test_deploy_refused_when_denied(app: Flask) -> None:
    response = app.test_client().post("/deploy", json={"version": "1.4.2"})

    assert response.status_code == 403
    assert response.get_json()["status"] == "denied"
    assert app.extensions["deployed_versions"] == []


@pytest.mark.ailoop_server(human=typing(None))
@pytest.mark.parametrize("text", ["yes", "no"])
def test_a_text_answer_is_a_denial(
    app: Flask, ailoop_server: AiloopTestServer, text: str
) -> None:
    with answer_in_text(ailoop_server, text):
        response = app.test_client().post("/deploy", json={"version": "1.4.2"})

    assert response.status_code == 403
    assert response.get_json()["status"] == "denied"
    assert app.extensions["deployed_versions"] == []


@pytest.mark.slow
@pytest.mark.ailoop_server(human=typing(None))
def test_server_side_timeout_is_a_denial(app: Flask) -> None:
    app.config["AILOOP_AUTHORIZATION_TIMEOUT"] = 1
    response = app.test_client().post("/deploy", json={"version": "2.0.0"})

    assert response.status_code == 403
    assert app.extensions["deployed_versions"] == []


@pytest.mark.slow
@pytest.mark.ailoop_server(human=typing(None))
def test_no_answer_before_the_request_deadline(app: Flask) -> None:
    app.config["AILOOP_WAIT_TIMEOUT"] = 0.5
    response = app.test_client().post("/deploy", json={"version": "2.0.0"})

    assert response.status_code == 504
    assert response.get_json()["status"] == "no answer in time"
    assert app.extensions["deployed_versions"] == []


def test_unreachable_server_never_deploys() -> None:
    with AiloopTestServer() as server:
        url = server.url
    app = create_app({"TESTING": True, "AILOOP_SERVER_URL": url})
    try:
        response = app.test_client().post("/deploy", json={"version": "1.4.2"})
    finally:
        ailoop_ext.close(app)

    assert response.status_code == 503
    assert app.extensions["deployed_versions"] == []


def test_deploy_requires_a_version(app: Flask, ailoop_server: AiloopTestServer) -> None:
    response = app.test_client().post("/deploy", json={})

    assert response.status_code == 400
    assert ailoop_server.messages() == []


def test_notify_posts_a_notification(app: Flask, ailoop_server: AiloopTestServer) -> None:
    response = app.test_client().post(
        "/notify", json={"text": "Backup finished", "priority": "high"}
    )

    assert response.status_code == 202
    [stored] = ailoop_server.messages("deploys")
    assert str(stored.id) == response.get_json()["id"]
    assert stored.content.to_wire() == {
        "type": "notification",
        "text": "Backup finished",
        "priority": "high",
    }


def test_notify_rejects_an_unknown_priority(app: Flask, ailoop_server: AiloopTestServer) -> None:
    response = app.test_client().post("/notify", json={"text": "hi", "priority": "whenever"})

    assert response.status_code == 400
    assert ailoop_server.messages() == []


def test_one_client_per_app_shared_by_requests(app: Flask) -> None:
    with app.app_context():
        first = ailoop_ext.client
        second = ailoop_ext.client
        ailoop_ext.close()
        third = ailoop_ext.client
    assert first is second
    assert first.closed
    assert third is not first

"""The Celery recipe (examples/celery_app) with a real prefork worker in a subprocess.

The broker is kombu's filesystem transport and the result backend a folder, so no
server is needed. The worker's main process creates the ailoop client (its
start-up check) before the pool forks; the tasks run in the forked children. The
web views run in this process (Flask's test client) and talk to the worker only through
the broker and the result backend, as in production.

The worker and the stand-in live for the whole module (starting a worker takes seconds),
so the stand-in holds the worker's connections from one test to the next: the tests are
marked ``allow_leaks``, and the worker fixture checks instead that every connection of
the worker is gone once it is stopped.
"""

import os
import re
import sys
from typing import Dict, Iterator, Optional

import pytest

pytest.importorskip("celery")
pytest.importorskip("flask")

from celery import Celery
from celery.result import AsyncResult
from celery_app import tasks
from celery_app.config import celery_settings
from celery_app.web import create_app
from flask.testing import FlaskClient

from ailoop.models import AuthorizationContent, Message
from ailoop.testing import AiloopTestServer
from tests.recipes.conftest import DEADLINE, EXAMPLES, LoggedProcess, child_environment

pytestmark = pytest.mark.allow_leaks


def person(message: Message) -> Optional[str]:
    """Approves version 1.x, denies 2.x, leaves everything else unanswered."""
    content = message.content
    assert isinstance(content, AuthorizationContent)
    if content.action.startswith("Deploy 1."):
        return "y"
    if content.action.startswith("Deploy 2."):
        return "n"
    return None


@pytest.fixture(scope="module")
def stand_in() -> Iterator[AiloopTestServer]:
    with AiloopTestServer(human=person) as server:
        yield server


@pytest.fixture(scope="module")
def broker_environment(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    folder = tmp_path_factory.mktemp("celery")
    return {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_FILESYSTEM_FOLDER": str(folder / "broker"),
        "CELERY_RESULT_BACKEND": f"file://{folder / 'results'}",
    }


@pytest.fixture(scope="module")
def celery_app(broker_environment: Dict[str, str]) -> Iterator[Celery]:
    """The recipe's Celery app, in this process, on the test's broker and backend.

    """
    tasks.app.conf.update(celery_settings(broker_environment))
    yield tasks.app
    tasks.app.close()


@pytest.fixture(scope="module")
def worker(
    stand_in: AiloopTestServer, broker_environment: Dict[str, str], celery_app: Celery
) -> Iterator[LoggedProcess]:
    """``celery worker`` (prefork, two processes) as a subprocess; stopped, group and all."""
    environment = child_environment(AILOOP_SERVER_URL=stand_in.url, **broker_environment)
    process = LoggedProcess(
        "celery",
        [
            *(sys.executable, "-m", "celery", "-A", "celery_app.tasks", "worker"),
            *("--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"),
            *("--without-gossip", "--without-mingle", "--without-heartbeat"),
            *("--hostname", f"recipe-{os.getpid()}@%h"),
        ],
        cwd=EXAMPLES,
        env=environment,
    )
    try:
        process.wait_for(r"ailoop server answers")
        process.wait_for(r"\bready\.")
        yield process
    finally:
        process.stop()
    stand_in.wait_for_connections(total=0, timeout=DEADLINE)


@pytest.fixture
def web(celery_app: Celery) -> FlaskClient:
    return create_app({"TESTING": True}).test_client()


def outcome(task_id: str) -> Dict[str, str]:
    """Wait for the task, then return what the status view reports."""
    AsyncResult(task_id, app=tasks.app).get(timeout=DEADLINE)
    report: Dict[str, str] = create_app().test_client().get(f"/deployments/{task_id}").get_json()
    return report


@pytest.mark.slow
def test_the_view_starts_the_task_and_reports_approval(
    worker: LoggedProcess, web: FlaskClient
) -> None:
    started = web.post("/deployments", json={"version": "1.4.2"})

    assert started.status_code == 202
    task_id = started.get_json()["task_id"]
    assert started.headers["Location"] == started.get_json()["status_url"]
    assert started.get_json()["status_url"] == f"/deployments/{task_id}"
    assert outcome(task_id) == {
        "task_id": task_id,
        "state": "done",
        "status": "deployed",
        "version": "1.4.2",
    }
    worker.wait_for(r"deploying 1\.4\.2")


@pytest.mark.slow
def test_a_denial(worker: LoggedProcess, web: FlaskClient) -> None:
    task_id = web.post("/deployments", json={"version": "2.0.0"}).get_json()["task_id"]

    assert outcome(task_id)["status"] == "denied"
    assert "deploying 2.0.0" not in worker.log


@pytest.mark.slow
def test_waiting_then_a_text_yes_is_a_denial(
    worker: LoggedProcess, web: FlaskClient, stand_in: AiloopTestServer
) -> None:
    task_id = web.post("/deployments", json={"version": "3.0.0"}).get_json()["task_id"]
    prompt = stand_in.wait_for_pending(timeout=DEADLINE)
    assert web.get(f"/deployments/{task_id}").get_json()["state"] == "waiting for a person"

    stand_in.respond(prompt.message_id, "yes", response_type="text")

    assert outcome(task_id)["status"] == "denied"
    assert "deploying 3.0.0" not in worker.log


@pytest.mark.slow
def test_the_servers_timeout_is_a_denial(worker: LoggedProcess) -> None:
    task = tasks.request_deployment.delay("3.1.0", authorization_timeout=1)

    assert outcome(task.id)["status"] == "denied"


@pytest.mark.slow
def test_no_answer_before_the_tasks_own_deadline(
    worker: LoggedProcess, stand_in: AiloopTestServer
) -> None:
    task = tasks.request_deployment.delay("3.2.0", authorization_timeout=60, wait_timeout=1)

    assert outcome(task.id)["status"] == "no answer in time"
    left = stand_in.wait_for_pending(timeout=DEADLINE)
    stand_in.respond(left.message_id, response_type="authorization_denied")  # clear the screen


@pytest.mark.slow
def test_the_client_made_before_the_fork_serves_the_children(
    worker: LoggedProcess, web: FlaskClient
) -> None:
    task_id = web.post("/deployments", json={"version": "1.5.0"}).get_json()["task_id"]
    assert outcome(task_id)["status"] == "deployed"

    created = re.findall(r"ailoop client created in process (\d+)", worker.log)
    asked = set(re.findall(r"asking for approval of \S+ in process (\d+)", worker.log))
    assert created == [str(worker.process.pid)]  # once, in the worker's main process
    assert asked and str(worker.process.pid) not in asked  # every task ran in a child


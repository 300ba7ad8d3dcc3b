"""The Django recipe under real gunicorn, with its shipped configuration, over real HTTP.

gunicorn runs ``examples/django_app/gunicorn.conf.py`` (``gthread`` workers) in a
subprocess on an ephemeral port, with the example project's own settings (so
``CsrfViewMiddleware`` is in the chain) and ``--preload`` (the app is imported in the
master before the worker is forked). The stand-in's human approves, denies, answers in
text, and holds one prompt for longer than the worker ``--timeout`` given here.
"""

import runpy
import sys
import threading
from typing import Iterator, List, Optional

import pytest
import requests

pytest.importorskip("gunicorn")
pytest.importorskip("django")

from gunicorn.config import Config

from ailoop.models import AuthorizationContent, Message
from ailoop.testing import AiloopTestServer
from tests.polling import pause
from tests.recipes.conftest import DEADLINE, EXAMPLES, LoggedProcess, child_environment

DJANGO_APP = EXAMPLES / "django_app"
TOKEN = "gunicorn-test-token"
#: The worker timeout of this test's gunicorn, far below the shipped 390 s: a request held
#: longer than this proves that a waiting gthread request does not get its worker killed.
#: (A sync worker is killed within about WORKER_TIMEOUT + 1 s; the margin keeps a busy
#: machine from delaying a gthread worker's heartbeat past the timeout.)
WORKER_TIMEOUT = 4
HELD_FOR = 2 * WORKER_TIMEOUT


def person(message: Message) -> Optional[str]:
    """Approves version 1.x, denies 2.x, leaves everything else to the test."""
    content = message.content
    assert isinstance(content, AuthorizationContent)
    if content.action.startswith("Deploy 1."):
        return "y"
    if content.action.startswith("Deploy 2."):
        return "n"
    return None


@pytest.fixture
def stand_in() -> Iterator[AiloopTestServer]:
    with AiloopTestServer(human=person) as server:
        yield server


@pytest.fixture
def gunicorn(stand_in: AiloopTestServer) -> Iterator[str]:
    """The recipe under gunicorn with the shipped config; yields its base URL."""
    arguments = [
        *("-m", "gunicorn", "-c", "gunicorn.conf.py"),
        *("--bind", "127.0.0.1:0", "--workers", "1"),
        *("--timeout", str(WORKER_TIMEOUT), "--preload"),
    ]
    if "control_socket_disable" in Config().settings:  # gunicorn 24 and later
        arguments.append("--no-control-socket")
    served = LoggedProcess(
        "gunicorn",
        [sys.executable, *arguments],
        cwd=DJANGO_APP,
        env=child_environment(AILOOP_SERVER_URL=stand_in.url, DEPLOYER_API_TOKEN=TOKEN),
    )
    try:
        url = served.wait_for(r"Listening at: (http://127\.0\.0\.1:\d+)").group(1)
        served.wait_for(r"Using worker: gthread")
        served.wait_for(r"Booting worker")
        yield url
        assert "WORKER TIMEOUT" not in served.log
    finally:
        served.stop()


def deploy(url: str, version: str, token: Optional[str] = TOKEN) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    return requests.post(
        f"{url}/deploy", json={"version": version}, headers=headers, timeout=DEADLINE
    )


@pytest.mark.slow
def test_the_recipe_under_gunicorn(gunicorn: str, stand_in: AiloopTestServer) -> None:
    approved = deploy(gunicorn, "1.4.2")
    assert (approved.status_code, approved.json()) == (
        200,
        {"status": "deployed", "version": "1.4.2"},
    )

    denied = deploy(gunicorn, "2.0.0")
    assert (denied.status_code, denied.json()["status"]) == (403, "denied")

    # A script without the token is refused by the view, not by the CSRF check.
    anonymous = deploy(gunicorn, "1.5.0", token=None)
    assert anonymous.status_code == 401
    assert "CSRF" not in anonymous.text

    # A request that waits longer than the worker timeout while another is served.
    held: List[requests.Response] = []
    waiting = threading.Thread(
        target=lambda: held.append(deploy(gunicorn, "3.0.0")), name="held-deploy", daemon=True
    )
    waiting.start()
    try:
        prompt = stand_in.wait_for_pending(timeout=DEADLINE)
        notified = requests.post(
            f"{gunicorn}/notify",
            json={"text": "deploying 3.0.0 once approved"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=DEADLINE,
        )
        assert notified.status_code == 202
        # Holding the answer on purpose: the request outlives the worker timeout.
        pause(HELD_FOR)
        stand_in.respond(prompt.message_id, response_type="authorization_approved")
    finally:
        waiting.join(DEADLINE)
    assert [(r.status_code, r.json()["status"]) for r in held] == [(200, "deployed")]

    # A text "yes" typed in the web UI is final, and not an approval.
    texted: List[requests.Response] = []
    waiting = threading.Thread(
        target=lambda: texted.append(deploy(gunicorn, "4.0.0")), name="text-deploy", daemon=True
    )
    waiting.start()
    try:
        prompt = stand_in.wait_for_pending(timeout=DEADLINE)
        stand_in.respond(prompt.message_id, "yes", response_type="text")
    finally:
        waiting.join(DEADLINE)
    assert [(r.status_code, r.json()["status"]) for r in texted] == [(403, "denied")]


def test_the_shipped_configuration_outlasts_the_wait() -> None:
    config = runpy.run_path(str(DJANGO_APP / "gunicorn.conf.py"))
    settings = runpy.run_path(str(DJANGO_APP / "example_site" / "settings.py"))

    assert config["worker_class"] == "gthread"
    assert config["threads"] > 1
    assert config["timeout"] > settings["AILOOP_WAIT_TIMEOUT"]
    assert settings["AILOOP_WAIT_TIMEOUT"] > settings["AILOOP_AUTHORIZATION_TIMEOUT"]
    assert config["wsgi_app"] == settings["WSGI_APPLICATION"].rsplit(".", 1)[0]

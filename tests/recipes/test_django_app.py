"""The Django recipe (examples/django_app) through Django's test client against the stand-in.

Django is configured here, in the test module (no settings module, no database), with
the example project's middleware: every request goes through ``CsrfViewMiddleware``
with CSRF checks enforced, as for a real client.
"""

import io
import os
import subprocess
import sys
import threading
from typing import Iterator, List, Optional

import pytest

pytest.importorskip("django")

import django
from django.conf import settings

if not settings.configured:
    settings.configure(
        SECRET_KEY="tests-only",
        ALLOWED_HOSTS=["testserver"],
        INSTALLED_APPS=["deployer"],
        MIDDLEWARE=[
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
        ],
        ROOT_URLCONF="deployer.urls",
        DATABASES={},
        USE_TZ=True,
        AILOOP_SERVER_URL=None,
        AILOOP_CHANNEL="deploys",
        AILOOP_AUTHORIZATION_TIMEOUT=60,
        AILOOP_WAIT_TIMEOUT=60,
        DEPLOYER_API_TOKEN="tests-deployer-token",
    )
    django.setup()

from deployer import views
from deployer.client import close_client, get_client
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from ailoop.testing import AiloopTestServer
from tests.recipes.conftest import DEADLINE, EXAMPLES, answer_in_text, typing

TOKEN: str = settings.DEPLOYER_API_TOKEN


@pytest.fixture(autouse=True)
def fresh_state() -> Iterator[None]:
    """Each test starts without a client and without deployments, and leaves none."""
    views.DEPLOYED_VERSIONS.clear()
    close_client()
    yield
    close_client()


@pytest.fixture
def server_settings(ailoop_server: AiloopTestServer) -> Iterator[AiloopTestServer]:
    """Point the AILOOP_SERVER_URL setting at this test's stand-in."""
    with override_settings(AILOOP_SERVER_URL=ailoop_server.url):
        yield ailoop_server


def post(path: str, body: object, token: Optional[str] = TOKEN) -> "django.http.HttpResponse":
    """POST JSON like a deployment script: bearer token, no cookies, CSRF checks enforced."""
    headers = {} if token is None else {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client(enforce_csrf_checks=True)
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.ailoop_server(human=typing("yes"))
def test_deploy_runs_after_approval(server_settings: AiloopTestServer) -> None:
    response = post("/deploy", {"version": "1.4.2"})

    assert response.status_code == 200
    assert response.json() == {"status": "deployed", "version": "1.4.2"}
    assert views.DEPLOYED_VERSIONS == ["1.4.2"]
    [prompt] = server_settings.messages("deploys")
    assert prompt.content.to_wire()["action"] == "Deploy 1.4.2 to production"


@pytest.mark.ailoop_server(human=typing("no"))
def test_deploy_refused_when_denied(server_settings: AiloopTestServer) -> None:
    response = post("/deploy", {"version": "1.4.2"})

    assert response.status_code == 403
    assert response.json()["status"] == "denied"
    assert views.DEPLOYED_VERSIONS == []


@pytest.mark.ailoop_server(human=typing(None))
@pytest.mark.parametrize("text", ["yes", "no"])
def test_a_text_answer_is_a_denial(server_settings: AiloopTestServer, text: str) -> None:
    with answer_in_text(server_settings, text):
        response = post("/deploy", {"version": "1.4.2"})

    assert response.status_code == 403
    assert response.json()["status"] == "denied"
    assert views.DEPLOYED_VERSIONS == []


@pytest.mark.slow
@pytest.mark.ailoop_server(human=typing(None))
def test_server_side_timeout_is_a_denial(server_settings: AiloopTestServer) -> None:
    with override_settings(AILOOP_AUTHORIZATION_TIMEOUT=1):
        response = post("/deploy", {"version": "2.0.0"})

    assert response.status_code == 403
    assert views.DEPLOYED_VERSIONS == []


@pytest.mark.parametrize("token", [None, "", "wrong-token", TOKEN + "x"])
def test_api_views_refuse_requests_without_the_token(
    server_settings: AiloopTestServer, token: Optional[str]
) -> None:
    for path, body in (("/deploy", {"version": "1.4.2"}), ("/notify", {"text": "hi"})):
        response = post(path, body, token=token)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == 'Bearer realm="deployer"'
    assert server_settings.messages() == []


def test_without_a_configured_token_every_request_is_refused(
    server_settings: AiloopTestServer,
) -> None:
    with override_settings(DEPLOYER_API_TOKEN=None):
        assert post("/deploy", {"version": "1.4.2"}, token="").status_code == 401
        assert post("/deploy", {"version": "1.4.2"}, token="None").status_code == 401
    assert server_settings.messages() == []


@pytest.mark.slow
@pytest.mark.ailoop_server(human=typing(None))
def test_no_answer_before_the_request_deadline(server_settings: AiloopTestServer) -> None:
    with override_settings(AILOOP_WAIT_TIMEOUT=0.5):
        response = post("/deploy", {"version": "1.4.2"})

    assert response.status_code == 504
    assert response.json()["status"] == "no answer in time"
    assert views.DEPLOYED_VERSIONS == []


def test_deploy_only_accepts_post(server_settings: AiloopTestServer) -> None:
    assert Client(enforce_csrf_checks=True).get("/deploy").status_code == 405
    assert server_settings.messages() == []


def test_unreachable_server_never_deploys() -> None:
    with AiloopTestServer() as server:
        url = server.url
    with override_settings(AILOOP_SERVER_URL=url):
        response = post("/deploy", {"version": "1.4.2"})

    assert response.status_code == 503
    assert views.DEPLOYED_VERSIONS == []


def test_notify_posts_a_notification(server_settings: AiloopTestServer) -> None:
    response = post("/notify", {"text": "Backup finished", "priority": "urgent"})

    assert response.status_code == 202
    [stored] = server_settings.messages("deploys")
    assert str(stored.id) == response.json()["id"]
    assert stored.content.to_wire()["priority"] == "urgent"


def test_changing_the_server_setting_replaces_the_client(
    server_settings: AiloopTestServer,
) -> None:
    first = get_client()
    assert get_client() is first
    with AiloopTestServer() as other, override_settings(AILOOP_SERVER_URL=other.url):
        second = get_client()
        assert second.server_url == other.url
        close_client()
    assert first.closed
    assert second is not first


@pytest.mark.ailoop_server(human=typing("yes"))
def test_management_command_waits_for_approval(server_settings: AiloopTestServer) -> None:
    out = io.StringIO()
    call_command("request_approval", "Rotate the database password", stdout=out)

    assert out.getvalue().splitlines() == [
        "Waiting for a person to authorize: Rotate the database password",
        "approved",
    ]


@pytest.mark.ailoop_server(human=typing("no"))
def test_management_command_denied_exits_1(server_settings: AiloopTestServer) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("request_approval", "Rotate", stdout=io.StringIO())
    assert raised.value.returncode == 1


@pytest.mark.slow
@pytest.mark.ailoop_server(human=typing(None))
def test_management_command_wait_limit_exits_2(server_settings: AiloopTestServer) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("request_approval", "Rotate", "--wait", "0.5", stdout=io.StringIO())
    assert raised.value.returncode == 2


@pytest.mark.slow
def test_management_command_as_a_process(server_settings: AiloopTestServer) -> None:
    """``manage.py request_approval`` with the example project's own settings module."""
    prompt_answered: List[str] = []

    def approve_when_pending() -> None:
        pending = server_settings.wait_for_pending(timeout=DEADLINE)
        server_settings.wait_for_connections(viewers=1, timeout=DEADLINE)
        server_settings.respond(pending.message_id, response_type="authorization_approved")
        prompt_answered.append(pending.message_id)

    helper = threading.Thread(target=approve_when_pending, name="approve", daemon=True)
    helper.start()
    environment = dict(os.environ, AILOOP_SERVER_URL=server_settings.url)
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "manage.py", "request_approval", "Restart the queue", "--wait", "60"],
        cwd=EXAMPLES / "django_app",
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    helper.join(DEADLINE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "approved"
    assert len(prompt_answered) == 1

"""The command line decides an authorization with ``ailoop.approved`` alone (fail closed).

The human here answers the way a web-UI user or another program can: over HTTP with
``{"answer": "no", "response_type": "text"}`` -- a final response the real server
accepts, and not an approval.
"""

import os
import subprocess
import sys
import uuid
from typing import Any, Dict, List, Optional

import pytest
import requests

from ailoop._describe import describe_prompt
from ailoop.cli import ExitCode, outcome
from ailoop.client import AiloopClient
from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    Message,
    NavigateContent,
    QuestionContent,
    ResponseContent,
    ResponseType,
)
from ailoop.testing import AiloopTestServer

DEADLINE = 60.0
TEXT_NO = {"answer": "no", "response_type": "text"}


def _environment() -> Dict[str, str]:
    environment = dict(os.environ)
    for name in ("AILOOP_SERVER_URL", "AILOOP_SERVER", "AILOOP_TOKEN"):
        environment.pop(name, None)
    return environment


def _answer_over_http(server: AiloopTestServer, body: Dict[str, str]) -> None:
    """Wait until a prompt is on screen, then answer it as a web-UI human would."""
    pending = server.wait_for_pending(timeout=DEADLINE)
    answered = requests.post(
        f"{server.url}/api/v1/messages/{pending.message_id}/response", json=body, timeout=30
    )
    assert answered.status_code == 200, answered.text


def _shell(command: List[str], server: AiloopTestServer, body: Dict[str, str]) -> str:
    """Run ``command && echo DEPLOYED`` in a real shell while the human answers."""
    script = " ".join(f"'{part}'" for part in command) + " && echo DEPLOYED || echo REFUSED $?"
    shell = subprocess.Popen(
        ["/bin/sh", "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_environment(),
    )
    try:
        _answer_over_http(server, body)
        out, err = shell.communicate(timeout=DEADLINE)
    finally:
        if shell.poll() is None:
            shell.kill()
            shell.communicate()
    return out + err


def test_authorize_and_deploy_does_not_deploy_on_a_text_no() -> None:
    with AiloopTestServer() as server:
        printed = _shell(
            [sys.executable, "-m", "ailoop", "authorize", "Deploy", "--server", server.url],
            server,
            TEXT_NO,
        )
    assert "DEPLOYED" not in printed
    assert f"REFUSED {int(ExitCode.DENIED)}" in printed, printed


@pytest.mark.slow
def test_authorize_and_deploy_deploys_on_an_approval() -> None:
    with AiloopTestServer() as server:
        printed = _shell(
            [sys.executable, "-m", "ailoop", "authorize", "Deploy", "--server", server.url],
            server,
            {"answer": "", "response_type": "authorization_approved"},
        )
    assert "DEPLOYED" in printed, printed


def test_wait_on_an_authorization_does_not_pass_a_text_no() -> None:
    with AiloopTestServer() as server, AiloopClient(server.url) as client:
        prompt = client.authorize("Restart the web tier", timeout=60)
        printed = _shell(
            [sys.executable, "-m", "ailoop", "wait", str(prompt.id), "--server", server.url],
            server,
            TEXT_NO,
        )
    assert "DEPLOYED" not in printed
    assert f"REFUSED {int(ExitCode.DENIED)}" in printed, printed
    assert "waiting for the final answer to authorization 'Restart the web tier'" in printed


def _message(content: Any, correlation: Optional[uuid.UUID] = None) -> Message:
    return Message.new("ops", content, correlation_id=correlation)


AUTHORIZATION = _message(AuthorizationContent(action="Deploy"))
NAVIGATION = _message(NavigateContent(url="https://example.com/"))
QUESTION = _message(QuestionContent(text="Colour?", choices=["red", "blue"]))
DECISION = _message(
    DecisionContent(
        decision_id="d",
        summary="Strategy?",
        options=[DecisionOption(id="a", label="A"), DecisionOption(id="b", label="B")],
    )
)


def _response(answer: Optional[str], response_type: ResponseType) -> Message:
    return _message(ResponseContent(answer=answer, response_type=response_type), uuid.uuid4())


@pytest.mark.parametrize(
    "prompt", [AUTHORIZATION, NAVIGATION, None], ids=["authorization", "navigation", "unknown"]
)
@pytest.mark.parametrize(
    ("answer", "response_type", "expected"),
    [
        (None, ResponseType.AUTHORIZATION_APPROVED, ExitCode.OK),
        ("", ResponseType.AUTHORIZATION_APPROVED, ExitCode.OK),
        (None, ResponseType.AUTHORIZATION_DENIED, ExitCode.DENIED),
        ("yes", ResponseType.TEXT, ExitCode.DENIED),
        ("no", ResponseType.TEXT, ExitCode.DENIED),
        ("approved", ResponseType.TEXT, ExitCode.DENIED),
        (None, ResponseType.TIMEOUT, ExitCode.DENIED),
        (None, ResponseType.CANCELLED, ExitCode.DENIED),
    ],
)
def test_authorizations_and_navigations_exit_0_only_when_approved(
    prompt: Optional[Message], answer: Optional[str], response_type: ResponseType, expected: int
) -> None:
    assert outcome(_response(answer, response_type), prompt) == expected


@pytest.mark.parametrize("prompt", [QUESTION, DECISION], ids=["question", "decision"])
@pytest.mark.parametrize(
    ("answer", "response_type", "expected"),
    [
        ("blue", ResponseType.TEXT, ExitCode.OK),
        ("", ResponseType.TEXT, ExitCode.OK),
        (None, ResponseType.TEXT, ExitCode.DENIED),
        (None, ResponseType.TIMEOUT, ExitCode.TIMEOUT),
        (None, ResponseType.AUTHORIZATION_APPROVED, ExitCode.DENIED),
    ],
)
def test_questions_exit_0_when_answered(
    prompt: Message, answer: Optional[str], response_type: ResponseType, expected: int
) -> None:
    assert outcome(_response(answer, response_type), prompt) == expected


@pytest.mark.parametrize(
    ("prompt", "words"),
    [
        (AUTHORIZATION, "authorization 'Deploy'"),
        (NAVIGATION, "navigation to https://example.com/"),
        (QUESTION, "question 'Colour?'"),
        (DECISION, "decision 'Strategy?'"),
    ],
)
def test_wait_names_the_prompt_it_waits_for(prompt: Message, words: str) -> None:
    assert describe_prompt(prompt) == words

"""The shell commands against the stand-in server: output, --json and exit statuses."""

import json
import logging
import queue
import subprocess
import sys
import threading
from typing import Any, Callable, Iterator, Optional

import pytest

import ailoop
from ailoop.cli import ExitCode
from ailoop.client import AiloopClient
from ailoop.models import Message
from ailoop.testing import AiloopTestServer
from tests.cli.conftest import lines, run_cli

ANSWER_DEADLINE = 30.0


def answering(answer: Optional[str]) -> Callable[[Message], Optional[str]]:
    """A human policy that types ``answer`` at every prompt (``None``: never answers)."""

    def policy(message: Message) -> Optional[str]:
        return answer

    return policy


@pytest.fixture
def stopped_server_url() -> Iterator[str]:
    """The URL of a port where nothing listens any more."""
    with AiloopTestServer() as server:
        url = server.url
    yield url


# -- usage -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["frobnicate"],
        ["say"],
        ["ask", "Which?", "--timeout", "-1"],
        ["ask", "Which?", "--wait", "soon"],
        ["wait", "not-a-message-id"],
        ["say", "hi", "--priority"],
    ],
)
def test_usage_errors_exit_64(argv: Any) -> None:
    result = run_cli(*argv)
    assert result.code == ExitCode.USAGE == 64
    assert result.out == ""
    assert "error" in result.err or "invalid argument" in result.err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("--help").code == 0
    help_text = capsys.readouterr().out
    for command in ("demo", "health", "say", "ask", "authorize", "wait", "pending"):
        assert command in help_text
    assert "64 usage error" in help_text


def test_version_through_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ailoop", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"ailoop-py {ailoop.__version__}"


# -- plain REST commands -----------------------------------------------------------------


def test_health(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("health", "--server", ailoop_server.url)
    assert result.code == ExitCode.OK
    assert result.out.startswith("healthy (server version 1.0.0")

    as_json = run_cli("--json", "health", "--server", ailoop_server.url)
    assert as_json.code == ExitCode.OK
    assert json.loads(as_json.out)["status"] == "healthy"


def test_say_posts_a_notification(ailoop_server: AiloopTestServer) -> None:
    result = run_cli(
        "say",
        "Backup finished",
        "--priority",
        "high",
        "--channel",
        "ops",
        "--server",
        ailoop_server.url,
    )
    assert result.code == ExitCode.OK
    stored = ailoop_server.messages("ops")
    assert [str(message.id) for message in stored] == [result.out.strip()]
    assert stored[0].content.to_wire() == {
        "type": "notification",
        "text": "Backup finished",
        "priority": "high",
    }


def test_say_json_is_the_stored_message(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("say", "hello", "--json", "--server", ailoop_server.url)
    document = json.loads(result.out)
    assert document == ailoop_server.messages("public")[0].to_wire()


def test_server_and_token_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with AiloopTestServer(tokens=["s3cret-token"]) as server:
        monkeypatch.setenv("AILOOP_SERVER_URL", server.url)
        refused = run_cli("health")
        monkeypatch.setenv("AILOOP_TOKEN", "s3cret-token")
        accepted = run_cli("health")
    assert refused.code == ExitCode.UNAVAILABLE
    assert accepted.code == ExitCode.OK


def test_token_never_printed(monkeypatch: pytest.MonkeyPatch) -> None:
    with AiloopTestServer(tokens=["right-token"]) as server:
        result = run_cli("say", "hi", "--server", server.url, "--token", "wrong-token")
    assert result.code == ExitCode.UNAVAILABLE
    assert "wrong-token" not in result.err + result.out


def test_unreachable_server_exits_3(stopped_server_url: str) -> None:
    result = run_cli("health", "--server", stopped_server_url)
    assert result.code == ExitCode.UNAVAILABLE == 3
    assert result.out == ""
    assert result.err.startswith("ailoop-py: ")


def test_invalid_priority_exits_64(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("say", "hi", "--priority", "whenever", "--server", ailoop_server.url)
    assert result.code == ExitCode.USAGE
    assert ailoop_server.messages() == []


# -- prompts -------------------------------------------------------------------------------


@pytest.mark.ailoop_server(human=answering("Blue"))
def test_ask_with_choices_prints_the_choice(ailoop_server: AiloopTestServer) -> None:
    result = run_cli(
        "ask",
        "Best color?",
        "--choice",
        "Red",
        "--choice",
        "Blue",
        "--server",
        ailoop_server.url,
    )
    assert (result.code, result.out) == (ExitCode.OK, "Blue\n")


@pytest.mark.ailoop_server(human=answering("2"))
def test_ask_json_is_the_final_response(ailoop_server: AiloopTestServer) -> None:
    result = run_cli(
        "--json",
        "ask",
        "Region?",
        "--choice",
        "eu",
        "--choice",
        "us",
        "--server",
        ailoop_server.url,
    )
    document = json.loads(result.out)
    assert result.code == ExitCode.OK
    assert document["content"] == {"type": "response", "answer": "us", "response_type": "text"}
    assert document["correlation_id"] is not None


@pytest.mark.ailoop_server(protocol="v0", human=answering("any colour you like"))
def test_free_text_ask_on_a_question_era_server(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("ask", "Favourite colour?", "--server", ailoop_server.url)
    assert (result.code, result.out) == (ExitCode.OK, "any colour you like\n")


def test_free_text_ask_on_a_v1_server_is_a_usage_error(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("ask", "Favourite colour?", "--server", ailoop_server.url)
    assert result.code == ExitCode.USAGE
    assert "free-text" in result.err or "choices" in result.err


@pytest.mark.ailoop_server(human=answering("yes"))
def test_authorize_approved_exits_0(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("authorize", "Deploy", "--server", ailoop_server.url)
    assert (result.code, result.out) == (ExitCode.OK, "approved\n")


@pytest.mark.ailoop_server(human=answering("no"))
def test_authorize_denied_exits_1(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("authorize", "Deploy", "--server", ailoop_server.url)
    assert (result.code, result.out) == (ExitCode.DENIED, "denied\n")


@pytest.mark.slow
@pytest.mark.ailoop_server(human=answering(None))
def test_server_side_authorization_timeout_is_a_denial(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("authorize", "Deploy", "--timeout", "1", "--server", ailoop_server.url)
    assert (result.code, result.out) == (ExitCode.DENIED, "denied\n")


@pytest.mark.slow
@pytest.mark.ailoop_server(human=answering(None))
def test_server_side_question_timeout_exits_2(ailoop_server: AiloopTestServer) -> None:
    result = run_cli(
        "ask",
        "Best color?",
        "--choice",
        "Red",
        "--choice",
        "Blue",
        "--timeout",
        "1",
        "--server",
        ailoop_server.url,
    )
    assert (result.code, result.out) == (ExitCode.TIMEOUT, "timeout\n")


@pytest.mark.slow
@pytest.mark.ailoop_server(human=answering(None))
def test_client_side_wait_limit_exits_2(ailoop_server: AiloopTestServer) -> None:
    result = run_cli("authorize", "Deploy", "--wait", "0.5", "--server", ailoop_server.url)
    assert result.code == ExitCode.TIMEOUT == 2
    assert result.out == ""
    assert "no answer in time" in result.err


def test_wait_for_a_prompt_sent_elsewhere(ailoop_server: AiloopTestServer) -> None:
    results: queue.Queue[Any] = queue.Queue()
    with AiloopClient(ailoop_server.url) as client:
        prompt = client.authorize("Restart the web tier", timeout=60)
    waiter = threading.Thread(
        target=lambda: results.put(
            run_cli(
                "wait",
                str(prompt.id),
                "--timeout",
                str(ANSWER_DEADLINE),
                "--server",
                ailoop_server.url,
            )
        ),
        name="cli-wait",
        daemon=True,
    )
    waiter.start()
    ailoop_server.wait_for_pending(timeout=ANSWER_DEADLINE, message_id=prompt.id)
    ailoop_server.wait_for_connections(viewers=1, timeout=ANSWER_DEADLINE)
    ailoop_server.respond(prompt.id, response_type="authorization_approved")
    result = results.get(timeout=ANSWER_DEADLINE)
    waiter.join(ANSWER_DEADLINE)
    assert (result.code, result.out) == (ExitCode.OK, "approved\n")
    assert lines(result.err) == [
        f"ailoop-py: waiting for the final answer to authorization 'Restart the web tier' "
        f"(prompt {prompt.id}) for up to 30 s.",
        "ailoop-py: an answer typed on the server's terminal (or Telegram) before this wait "
        "began cannot be recovered: the server does not store it.",
    ]


def test_wait_for_an_unknown_message_exits_3(ailoop_server: AiloopTestServer) -> None:
    result = run_cli(
        "wait",
        "00000000-0000-4000-8000-000000000000",
        "--timeout",
        "5",
        "--server",
        ailoop_server.url,
    )
    assert result.code == ExitCode.UNAVAILABLE
    assert result.out == ""
    assert "waiting for the final answer to prompt 00000000-0000-4000-8000-000000000000 for up" in (
        result.err
    )


def test_pending_lists_the_prompt_on_screen(ailoop_server: AiloopTestServer) -> None:
    with AiloopClient(ailoop_server.url) as client:
        prompt = client.authorize("Rotate keys", channel="ops", timeout=60)
    ailoop_server.wait_for_pending(timeout=ANSWER_DEADLINE, message_id=prompt.id)

    text = run_cli("pending", "--server", ailoop_server.url)
    as_json = run_cli("pending", "--json", "--channel", "ops", "--server", ailoop_server.url)
    elsewhere = run_cli("pending", "--channel", "public", "--server", ailoop_server.url)

    assert text.code == as_json.code == elsewhere.code == ExitCode.OK
    assert lines(text.out) == [f"{prompt.id}  authorize ops          Rotate keys"]
    assert [item["message_id"] for item in json.loads(as_json.out)] == [str(prompt.id)]
    assert elsewhere.out == "nothing pending\n"


@pytest.mark.ailoop_server(human=answering("yes"))
@pytest.mark.parametrize("level", [logging.NOTSET, logging.WARNING, logging.DEBUG])
def test_verbose_logs_to_stderr_and_restores_the_logger(
    ailoop_server: AiloopTestServer, level: int
) -> None:
    logger = logging.getLogger("ailoop")
    before, handlers = logger.level, list(logger.handlers)
    logger.setLevel(level)
    try:
        result = run_cli("authorize", "Deploy", "-v", "--server", ailoop_server.url)
        after = logger.level
    finally:
        logger.setLevel(before)
    assert (result.code, result.out) == (ExitCode.OK, "approved\n")
    assert " INFO " in result.err
    assert after == level
    assert logger.handlers == handlers


@pytest.mark.parametrize("argv", [["demo", "--json"], ["--json", "demo"]])
def test_demo_refuses_json(argv: Any) -> None:
    result = run_cli(*argv)
    assert result.code == ExitCode.USAGE
    assert result.out == ""
    assert "no --json output" in result.err


def test_help_of_wait_and_demo_says_what_they_do(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("wait", "--help").code == 0
    wait_help = " ".join(capsys.readouterr().out.split())
    assert "before the wait began cannot be recovered" in wait_help
    assert run_cli("demo", "--help").code == 0
    demo_help = " ".join(capsys.readouterr().out.split())
    assert "$AILOOP_SERVER_URL and $AILOOP_SERVER are ignored by the demo" in demo_help
    assert "--json is refused" in demo_help

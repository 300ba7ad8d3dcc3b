"""``python -m ailoop.testing`` run as a real subprocess, and its terminal person."""

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from typing import Any, Callable, Iterator, List, Optional, Tuple

import pytest
import requests

from ailoop.testing import AiloopTestServer
from ailoop.testing.__main__ import TerminalPerson, approve_all, describe_prompt

from .conftest import Ws, authorization, decision, message, navigate

STARTUP = re.compile(r"on (https?://\S+)")


class Served:
    """A CLI server process and the URL it announced."""

    def __init__(self, process: "subprocess.Popen[str]", url: str) -> None:
        self.process = process
        self.url = url
        self.ws_url = url.replace("http", "ws", 1) + "/"
        self.output = ""
        self.errors = ""

    def stop(self, signum: int = signal.SIGINT) -> int:
        """Signal the process once and wait for it; returns its exit status."""
        if not self.output and self.process.returncode is None:
            self.process.send_signal(signum)
            self.output, self.errors = self.process.communicate(timeout=10)
        return self.process.returncode


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    running: List[Served] = []

    def start(*arguments: str, stdin: Any = subprocess.DEVNULL) -> Served:
        process = subprocess.Popen(
            [sys.executable, "-m", "ailoop.testing", "--port", "0", *arguments],
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        match = STARTUP.search(process.stdout.readline())
        assert match, "the server did not announce its URL"
        served = Served(process, match.group(1))
        running.append(served)
        return served

    yield start
    for served in running:
        assert served.stop() == 0
        assert "stopped" in served.output


def prompt_outcome(ws_url: str, content: dict, headers: Optional[List[str]] = None) -> dict:
    agent = Ws(ws_url, header=headers or [])
    try:
        prompt = agent.send_message(content)
        agent.echo_of(prompt)
        return agent.recv_correlated(prompt, timeout=10)
    finally:
        agent.close()


@pytest.mark.slow
def test_approve_all_answers_everything(serve: Callable[..., Served]) -> None:
    served = serve("--approve-all")
    recommended = decision("A", "B", recommendation={"option_id": "opt2"})
    assert prompt_outcome(served.ws_url, recommended)["content"]["answer"] == "opt2"
    assert prompt_outcome(served.ws_url, decision("A", "B"))["content"]["answer"] == "opt1"
    for content in (authorization(), navigate()):
        final = prompt_outcome(served.ws_url, content)
        assert final["content"]["response_type"] == "authorization_approved"
    assert served.stop(signal.SIGTERM) == 0


@pytest.mark.slow
def test_approve_all_logs_each_prompt_and_its_answer(serve: Callable[..., Served]) -> None:
    served = serve("--approve-all")
    first = prompt_outcome(served.ws_url, authorization(action="Rotate the keys"))
    second = prompt_outcome(served.ws_url, decision("A", "B", recommendation={"option_id": "opt2"}))
    assert served.stop() == 0

    logged = [line for line in served.errors.splitlines() if line.startswith("--approve-all")]
    assert logged == [
        "--approve-all: Authorization Request [ops]: Rotate the keys"
        f" (id {first['correlation_id']}) answered 'y'",
        f"--approve-all: Decision [ops] (pick): Pick **one** of_these"
        f" (id {second['correlation_id']}) answered 'opt2'",
    ]


def run_cli(*arguments: str) -> "subprocess.CompletedProcess[str]":
    """Run ``python -m ailoop.testing`` to its end (it must end by itself)."""
    return subprocess.run(
        [sys.executable, "-m", "ailoop.testing", *arguments],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.slow
def test_a_port_in_use_is_a_one_line_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("--port", str(port))

    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"python -m ailoop.testing: error: cannot serve on 127.0.0.1:{port}: Address already in use"
    ]


@pytest.mark.parametrize("port", ["65536", "70000", "-1"])
def test_a_port_out_of_range_is_a_one_line_error(port: str) -> None:
    result = run_cli("--port", port)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"python -m ailoop.testing: error: --port {port} is out of range"
        " (0 to 65535; 0 = any free port)"
    ]


@pytest.mark.slow
def test_v0_with_token_and_base_path(serve: Callable[..., Served]) -> None:
    served = serve("--protocol", "v0", "--token", "T", "--base-path", "/hil", "--approve-all")
    assert served.url.endswith("/hil")
    assert requests.get(served.url + "/api/v1/health", timeout=5).status_code == 401
    health = requests.get(served.url + "/api/v1/health", headers={"X-Api-Key": "T"}, timeout=5)
    assert health.json()["version"] == "1.0.0"
    auth = ["Authorization: Bearer T"]
    choice = {
        "type": "question",
        "text": "Color?",
        "timeout_seconds": 30,
        "choices": ["Red", "Blue"],
    }
    final = prompt_outcome(served.ws_url, choice, auth)
    assert (final["content"]["answer"], final["metadata"]) == ("Red", {"index": 0, "value": "Red"})
    free = {"type": "question", "text": "Name?", "timeout_seconds": 30}
    assert prompt_outcome(served.ws_url, free, auth)["content"]["answer"] == "ok"


@pytest.mark.slow
def test_without_a_terminal_prompts_wait_for_http_answers(serve: Callable[..., Served]) -> None:
    served = serve()
    agent = Ws(served.ws_url)
    try:
        prompt = agent.send_message(decision("A", "B"))
        agent.echo_of(prompt)
        assert served.process.stdout is not None
        printed = [served.process.stdout.readline() for _ in range(6)]
        assert any("Decision [ops] (pick): Pick **one** of_these" in line for line in printed)
        response = requests.post(
            f"{served.url}/api/v1/messages/{prompt}/response",
            json={"answer": "B", "response_type": "text"},
            timeout=5,
        )
        assert response.status_code == 200
        agent.recv_correlated(prompt)
        assert agent.recv_correlated(prompt)["content"]["answer"] == "opt2"
    finally:
        agent.close()


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_a_terminal_person_types_the_answer(serve: Callable[..., Served]) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        served = serve(stdin=terminal)
        os.write(controller, b"canary\n")
        final = prompt_outcome(served.ws_url, decision("Blue", "Canary"))
        assert final["metadata"] == {"option_id": "opt2", "label": "Canary", "index": 1}
    finally:
        os.close(controller)
        os.close(terminal)


def pipe_person() -> Tuple[TerminalPerson, Any, io.StringIO]:
    reader, writer = os.pipe()
    stdin = os.fdopen(reader, "r")
    stdout = io.StringIO()
    return TerminalPerson(stdin, stdout), os.fdopen(writer, "w"), stdout


def test_terminal_person_reads_a_line_and_shows_the_prompt() -> None:
    person, keyboard, screen = pipe_person()
    with person._stdin, keyboard, AiloopTestServer(human=person) as server:
        person.server = server
        agent = Ws(server.ws_url)
        try:
            keyboard.write("\x1b\n")
            keyboard.flush()
            prompt = agent.send_message(authorization())
            assert agent.recv_correlated(prompt)["content"]["response_type"] == "cancelled"
            keyboard.write("yes\n")
            keyboard.flush()
            assert (
                agent.recv_correlated(prompt)["content"]["response_type"]
                == "authorization_approved"
            )
        finally:
            agent.close()
    assert "Authorization Request [ops]: Delete the bucket" in screen.getvalue()
    assert "Authorize? (Y=yes, n/Enter=no, ESC=skip): " in screen.getvalue()


def test_terminal_person_gives_up_once_answered_elsewhere() -> None:
    person, keyboard, screen = pipe_person()
    asked = threading.Event()

    def human(prompt: Any) -> Optional[str]:
        asked.set()
        return person(prompt)

    with person._stdin, keyboard, AiloopTestServer(human=human) as server:
        person.server = server
        agent = Ws(server.ws_url)
        try:
            prompt = agent.send_message(decision("A", "B"))
            server.wait_for_pending(message_id=prompt)
            assert asked.wait(5)
            server.respond(prompt, "A")
            agent.recv_correlated(prompt)
            assert agent.recv_correlated(prompt)["content"]["answer"] == "opt1"
        finally:
            agent.close()
    assert "(no longer pending)" in screen.getvalue()


def test_a_clear_message_without_the_testing_extra() -> None:
    script = (
        "import sys\n"
        "sys.modules['aiohttp'] = None\n"
        "from ailoop.testing.__main__ import main\n"
        "sys.exit(main(['--port', '0']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert "pip install 'ailoop-py[testing]'" in result.stderr


def test_approve_all_and_prompt_text_without_a_server() -> None:
    from ailoop.models import Message

    built = Message.from_wire(
        message(decision("A", "B", recommendation={"option_id": "zzz"}, timeout=0))
    )
    assert approve_all(built) == "opt1"
    empty = Message.from_wire(message(decision(options=[])))
    assert approve_all(empty) is None
    lines = describe_prompt(built)
    assert lines[-1] == "Enter option id, label, or number (ESC to skip): "
    assert "Timeout" not in "".join(lines)

"""``python -m ailoop demo``: the tour runs, and every answer it prints is what the server sent."""

import ast
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from ailoop import _demo
from ailoop._describe import describe
from ailoop.models import DecisionOption, DecisionRecommendation, Message
from ailoop.testing import AiloopTestServer
from tests.cli.conftest import run_cli

ANSWER = re.compile(r"human answered: (?P<answer>.*) \(prompt (?P<prompt>[0-9a-f-]{36})\)$")


def final_responses(server: AiloopTestServer) -> Dict[str, List[Message]]:
    """Responses the server sent out, by the prompt id they answer, each message once.

    The frame log has one "out" frame per connection a message went to: the viewer
    stream's and, when the answer comes before the server has seen the agent connection
    that sent the prompt close, that connection's too.
    """
    responses: Dict[str, List[Message]] = {}
    seen = set()
    for frame in server.frames:
        if frame.direction != "out":
            continue
        document = json.loads(frame.text)
        if document["content"]["type"] == "response" and document["id"] not in seen:
            seen.add(document["id"])
            message = Message.from_wire(document)
            responses.setdefault(str(message.correlation_id), []).append(message)
    return responses


def test_every_printed_answer_is_in_the_frame_log() -> None:
    out = io.StringIO()
    with AiloopTestServer(human=_demo.simulated_person) as server:
        code = _demo.run_with_stand_in(out, server)
        responses = final_responses(server)
        opened = server.opened_urls
        stored = server.messages("demo")
    text = out.getvalue()

    assert code == 0, text
    printed = [match.groupdict() for match in map(ANSWER.search, text.splitlines()) if match]
    assert [answer["answer"] for answer in printed] == ["Blue", "canary", "approved", "approved"]
    for answer in printed:
        sent = responses[answer["prompt"]]
        # The simulated person types in the server's terminal: one canonical response each.
        assert [describe(message) for message in sent] == [answer["answer"]]
    assert "      Deployment authorized" in text.splitlines()
    assert opened == [_demo.DASHBOARD_URL]

    handled = re.search(r"handler received: .* \(message (?P<id>[0-9a-f-]{36})\)", text)
    assert handled is not None
    assert handled.group("id") in {str(message.id) for message in stored}
    assert text.rstrip().endswith("Demo complete.")


def test_steps_are_printed_in_order() -> None:
    out = io.StringIO()
    with AiloopTestServer(human=_demo.simulated_person) as server:
        assert _demo.run_with_stand_in(out, server) == 0
    steps = [
        line.split("] ", 1)[1].split(":")[0]
        for line in out.getvalue().splitlines()
        if line.startswith("[")
    ]
    assert steps == [
        "say",
        "ask with choices",
        "ask_decision",
        "authorize",
        "navigate",
        "a message handler on channel 'demo'",
    ]


@pytest.mark.slow
def test_question_era_server_skips_the_structured_decision() -> None:
    out = io.StringIO()
    with AiloopTestServer(protocol="v0", human=_demo.simulated_person) as server:
        code = _demo.run_with_stand_in(out, server)
    assert code == 0, out.getvalue()
    assert "skipped: this server predates structured decisions" in out.getvalue()
    assert "human answered: Blue" in out.getvalue()


def test_demo_with_server_runs_against_that_server() -> None:
    with AiloopTestServer(human=_demo.simulated_person) as server:
        result = run_cli("demo", "--server", server.url)
        kinds = {message.content.content_type for message in server.messages("demo")}
    assert result.code == 0, result.err
    assert f"Running the demo against {server.url}" in result.out
    assert "Deployment authorized" in result.out
    assert {"notification", "decision", "authorization", "navigate"} <= kinds


@pytest.mark.slow
def test_python_dash_m_ailoop_demo() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ailoop", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Started a stand-in ailoop server at http://127.0.0.1:" in done.stdout
    assert "Deployment authorized" in done.stdout
    assert done.stdout.rstrip().endswith("Demo complete.")


class Recorder:
    """Stands in for ``client`` when a printed line of Python is evaluated."""

    def __init__(self) -> None:
        self.calls: List[Tuple[str, Tuple[Any, ...], Dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return call


def test_each_step_shows_the_line_of_python_it_runs() -> None:
    out = io.StringIO()
    with AiloopTestServer(human=_demo.simulated_person) as server:
        assert _demo.run_with_stand_in(out, server) == 0
        stored = {message.content.content_type: message for message in server.messages("demo")}
    text = out.getvalue()
    steps = re.split(r"^\[\d/6\] ", text, flags=re.M)[1:]
    shown = [re.findall(r"^ {6}>>> (client\..*)$", step, flags=re.M) for step in steps]
    assert [len(lines) for lines in shown] == [1] * 6, text

    recorder = Recorder()
    namespace = {
        "client": recorder,
        "DecisionOption": DecisionOption,
        "DecisionRecommendation": DecisionRecommendation,
        "on_message": "on_message",
    }
    for (line,) in shown:
        eval(line, namespace)
    names = [name for name, _, _ in recorder.calls]
    assert names == ["say", "ask", "ask_decision", "authorize", "navigate", "add_message_handler"]
    # The printed lines carry exactly what the server received.
    calls = {name: (args, kwargs) for name, args, kwargs in recorder.calls}
    decision = stored["decision"].content
    args, kwargs = calls["ask_decision"]
    assert (args[0], args[1], args[2]) == (
        decision.decision_id,
        decision.summary,
        decision.options,
    )
    assert kwargs["recommendation"] == decision.recommendation
    assert kwargs["context_markdown"] == decision.context_markdown
    args, kwargs = calls["authorize"]
    assert args[0] == stored["authorization"].content.action
    assert kwargs["context"] == stored["authorization"].content.context
    assert calls["navigate"][0] == (stored["navigate"].content.url,)
    assert "      >>> ailoop.approved(response)\n      Deployment authorized" in text


@pytest.mark.parametrize("variable", ["AILOOP_SERVER_URL", "AILOOP_SERVER"])
def test_the_demo_ignores_the_server_variables(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    """As its help says: without --server the demo never reaches a configured server."""
    with AiloopTestServer() as configured:
        monkeypatch.setenv(variable, configured.url)
        result = run_cli("demo")
        reached = list(configured.requests)
    assert result.code == 0, result.err
    assert "Started a stand-in ailoop server at" in result.out
    assert configured.url not in result.out
    assert reached == []


def test_cli_and_demo_do_not_import_each_other_for_formatting() -> None:
    package = Path(_demo.__file__).resolve().parent

    def imported(name: str) -> List[str]:
        tree = ast.parse((package / name).read_text(encoding="utf-8"))
        modules = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        modules += [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "ailoop"
            for alias in node.names
        ]
        return modules

    assert "ailoop.cli" not in imported("_demo.py")
    assert "cli" not in imported("_demo.py")
    assert "ailoop._describe" in imported("_demo.py")
    assert "ailoop._describe" in imported("cli.py")

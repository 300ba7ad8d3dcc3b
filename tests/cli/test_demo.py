"""``python -m ailoop demo``: the tour runs, and every answer it prints is what the server sent."""

import io
import json
import re
import subprocess
import sys
from typing import Dict, List

from ailoop import _demo
from ailoop.cli import describe
from ailoop.models import Message
from ailoop.testing import AiloopTestServer
from tests.cli.conftest import run_cli

ANSWER = re.compile(r"human answered: (?P<answer>.*) \(prompt (?P<prompt>[0-9a-f-]{36})\)$")


def final_responses(server: AiloopTestServer) -> Dict[str, List[Message]]:
    """Responses the server sent out, by the prompt id they answer."""
    responses: Dict[str, List[Message]] = {}
    for frame in server.frames:
        if frame.direction != "out":
            continue
        document = json.loads(frame.text)
        if document["content"]["type"] == "response":
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

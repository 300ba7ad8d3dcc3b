"""Code in the Sphinx guides runs as written."""

import pathlib
import textwrap
import threading
from typing import Any, Dict, List

import requests

from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"


def literal_block(page: str, after: str) -> str:
    """The indented literal block that follows the paragraph ending in ``after``."""
    text = (DOCS / page).read_text(encoding="utf-8")
    rest = text.split(after, 1)[1]
    lines = []
    for line in rest.split("\n")[1:]:
        if line and not line.startswith(" "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines)).strip("\n")


def run(code: str, page: str) -> Dict[str, Any]:
    namespace: Dict[str, Any] = {}
    exec(compile(code, page, "exec"), namespace)
    return namespace


def test_fixture_example_in_the_testing_guide(ailoop_server: AiloopTestServer) -> None:
    namespace = run(literal_block("testing.rst", "it afterwards::"), "testing.rst")
    namespace["test_deploy_asks_first"](ailoop_server)


def test_human_policy_example_in_the_testing_guide() -> None:
    namespace = run(literal_block("testing.rst", "every decision::"), "testing.rst")
    human = namespace["approving_human"]
    with AiloopTestServer(human=human) as server, AiloopClient(server.url) as client:
        answer = client.authorize("Deploy", timeout=30, wait=True)
        choice = client.ask("Which?", choices=["a", "b"], timeout=30, wait=True)
    assert answer.content.response_type == "authorization_approved"
    assert choice.content.answer == "a"


def test_approval_example_in_the_waiting_guide() -> None:
    """The guide's deploy_if_approved deploys on an approval only, never on a text "no"."""
    namespace = run(literal_block("waiting.rst", "only on an approval::"), "waiting.rst")
    deploy_if_approved = namespace["deploy_if_approved"]
    deployed: List[str] = []

    with AiloopTestServer(human=lambda message: "yes") as server, AiloopClient(
        server.url
    ) as client:
        assert deploy_if_approved(client, lambda: deployed.append("approved")) is True

    with AiloopTestServer() as server, AiloopClient(server.url) as client:
        answerer = threading.Thread(
            target=_answer_text_no, args=(server,), name="web-ui-human", daemon=True
        )
        answerer.start()
        assert deploy_if_approved(client, lambda: deployed.append("text no")) is False
        answerer.join(60)
    assert deployed == ["approved"]


def _answer_text_no(server: AiloopTestServer) -> None:
    pending = server.wait_for_pending(timeout=60)
    requests.post(
        f"{server.url}/api/v1/messages/{pending.message_id}/response",
        json={"answer": "no", "response_type": "text"},
        timeout=30,
    )

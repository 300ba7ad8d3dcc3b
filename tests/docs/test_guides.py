"""Code in the Sphinx guides runs as written."""

import pathlib
import textwrap
from typing import Any, Dict

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

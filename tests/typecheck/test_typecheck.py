"""``mypy --strict`` accepts what users write: the README's code, the examples, and an
import of the installed package from outside the repository.

The package ships ``py.typed``; these checks keep its promise on the common paths (the
answer of ``authorize(wait=True)``, ``ask(wait=True)``, ``wait_for_response`` read
without casts) and prove that an editable install (``pip install -e .``) is visible to
type checkers. Each runs mypy in a subprocess, as a user or CI would.
"""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys
import textwrap
from typing import List

import pytest

pytest.importorskip("mypy", reason="mypy is a dev extra on Python 3.11+ only")

ROOT = pathlib.Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DEADLINE = 300.0
# The web frameworks of the examples ship no type information: their names are Any, so
# subclassing them and decorating with them is allowed; everything about ailoop stays
# strict. Which framework modules lack types is listed in pyproject.toml.
FRAMEWORK_FLAGS = ["--allow-subclassing-any", "--allow-untyped-decorators"]

pytestmark = pytest.mark.slow


def python_blocks(text: str) -> List[str]:
    """The bodies of every ``.. code-block:: python`` directive of an RST text."""
    blocks = []
    for match in re.finditer(r"^\.\. code-block:: python\n((?:\n|[ \t]+.*\n)*)", text, re.M):
        blocks.append(textwrap.dedent(match.group(1)).strip("\n") + "\n")
    return blocks


def mypy(arguments: List[str], cwd: pathlib.Path, cache: pathlib.Path) -> str:
    """Run ``mypy --strict`` with ``arguments``; fail the test with its report on errors."""
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "MYPYPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache), *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """One mypy cache for the runs of this module (typeshed is read once)."""
    return tmp_path_factory.mktemp("mypy-cache")


def test_readme_code_blocks_type_check(tmp_path: pathlib.Path, cache: pathlib.Path) -> None:
    blocks = python_blocks((ROOT / "README.rst").read_text(encoding="utf-8"))
    assert any("wait_for_response" in block for block in blocks), "quick start not found"
    paths = []
    for index, block in enumerate(blocks):
        path = tmp_path / f"readme_block_{index}.py"
        path.write_text(block, encoding="utf-8")
        paths.append(str(path))
    mypy(paths, cwd=ROOT, cache=cache)


@pytest.mark.parametrize(
    "project",
    sorted(path.name for path in EXAMPLES.iterdir() if path.is_dir()),
)
def test_examples_type_check(project: str, cache: pathlib.Path) -> None:
    mypy([*FRAMEWORK_FLAGS, str(EXAMPLES / project)], cwd=ROOT, cache=cache)


def test_installed_package_is_visible_to_mypy_from_outside_the_repository(
    tmp_path: pathlib.Path, cache: pathlib.Path
) -> None:
    """With ``pip install -e .`` this fails when setuptools installs an import hook.

    The revealed types are the contract of typed answers: a wait returns a response, a
    prompt sent without waiting is the prompt, and a decoded Message holds a content
    object (never Any, never a dict).
    """
    (tmp_path / "uses_ailoop.py").write_text(
        textwrap.dedent(
            """\
            from typing import Optional

            import ailoop


            def approve(client: ailoop.AiloopClient) -> Optional[str]:
                response = client.authorize("Deploy", wait=True)
                reveal_type(response.content)
                reveal_type(client.wait_for_response(response.id).content)
                reveal_type(client.ask_decision("d", "s", ["a", "b"], wait=True).content)
                reveal_type(client.navigate("https://example.org").content)
                reveal_type(ailoop.Message.from_json("{}").content)
                return response.content.answer
            """
        ),
        encoding="utf-8",
    )
    report = mypy(["uses_ailoop.py"], cwd=tmp_path, cache=cache)
    revealed = re.findall(r'Revealed type is "([^"]+)"', report)
    content = "ailoop.models._content."
    assert revealed[:4] == [
        f"{content}ResponseContent",
        f"{content}ResponseContent",
        f"{content}ResponseContent",
        f"{content}NavigateContent",
    ], report
    assert revealed[4].startswith(content) and f"{content}UnknownContent" in revealed[4], report

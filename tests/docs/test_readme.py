"""README.rst keeps its promises: the quick start runs as written, CI runs its test command."""

import os
import pathlib
import re
import subprocess
import sys
import textwrap
from typing import Any, Dict, Iterator

import pytest

from ailoop.testing import AiloopTestServer

ROOT = pathlib.Path(__file__).resolve().parents[2]
README = (ROOT / "README.rst").read_text(encoding="utf-8")
DEADLINE = 120.0


def quickstart_code() -> str:
    """The Python code block between the ``quickstart-begin`` / ``-end`` comments."""
    section = README.split(".. quickstart-begin", 1)[1].split(".. quickstart-end", 1)[0]
    body = section.split(".. code-block:: python", 1)[1]
    return textwrap.dedent(body.strip("\n"))


@pytest.fixture
def approve_all_server() -> Iterator[str]:
    """``python -m ailoop.testing --port 0 --approve-all`` as a process; yields its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ailoop.testing", "--port", "0", "--approve-all"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        match = re.search(r"on (http://\S+)", banner)
        assert match, f"unexpected banner: {banner!r}"
        yield match.group(1)
    finally:
        process.terminate()
        process.communicate(timeout=DEADLINE)


@pytest.mark.slow
def test_quickstart_runs_as_written(approve_all_server: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", quickstart_code()],
        env=dict(os.environ, AILOOP_SERVER_URL=approve_all_server),
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "Chosen color: Red",
        "Deployment authorized",
        "Region: eu-west",
    ]


def test_quickstart_is_the_synchronous_seed() -> None:
    code = quickstart_code()
    assert "asyncio" not in code and "await" not in code
    for expected in (
        'choices=["Red", "Blue", "Green"]',
        'priority="high"',
        "wait=True",
        'auth.content.response_type == "authorization_approved"',
        "client.wait_for_response(",
    ):
        assert expected in code


def test_testing_example_passes(ailoop_server: AiloopTestServer) -> None:
    section = README.split("Testing your code\n=================", 1)[1]
    block = section.split(".. code-block:: python", 1)[1].split("\nTested recipes", 1)[0]
    code = textwrap.dedent(block.strip("\n"))
    namespace: Dict[str, Any] = {}
    exec(compile(code, "README.rst", "exec"), namespace)
    namespace["test_asks_before_deploying"](ailoop_server)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    readme_command = 'python3 -m pip install -e ".[dev]" && python3 -m pytest'
    assert readme_command in README
    assert 'pip install --quiet -e ".[dev]"' in ci
    assert ci.rstrip().splitlines()[-1] == "python3 -m pytest"


def test_readme_main_command_is_the_demo() -> None:
    assert 'python3 -m pip install -e ".[testing]" && python3 -m ailoop demo' in README

"""The pytest plugin: the ``ailoop_server`` fixture, its marker, and life without aiohttp."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import requests

from ailoop.testing import AiloopTestServer

BLOCK_AIOHTTP = "import sys\nsys.modules['aiohttp'] = None  # any import of aiohttp fails\n"


def test_fixture_gives_a_started_server(ailoop_server: AiloopTestServer) -> None:
    assert ailoop_server.running
    assert requests.get(ailoop_server.url + "/api/v1/health", timeout=5).status_code == 200


@pytest.mark.ailoop_server(protocol="v0", tokens=["t"], base_path="/hil", default_timeout=None)
def test_marker_options_reach_the_server(ailoop_server: AiloopTestServer) -> None:
    assert ailoop_server.protocol == "v0"
    assert ailoop_server.url.endswith("/hil")
    assert requests.get(ailoop_server.url + "/api/v1/health", timeout=5).status_code == 401


def test_plugin_and_package_import_without_aiohttp() -> None:
    script = BLOCK_AIOHTTP + textwrap.dedent(
        """
        import ailoop.testing
        import ailoop.testing.pytest_plugin
        try:
            ailoop.testing.AiloopTestServer
        except ImportError:
            print("server needs aiohttp")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "server needs aiohttp"


def run_pytest(directory: Path) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=directory,
        check=False,
    )


@pytest.mark.slow
def test_fixture_works_in_a_foreign_project(tmp_path: Path) -> None:
    (tmp_path / "test_uses_fixture.py").write_text(
        textwrap.dedent(
            """
            import pytest
            import requests

            @pytest.mark.ailoop_server(version="9.9.9")
            def test_health(ailoop_server):
                health = requests.get(ailoop_server.url + "/api/v1/health", timeout=5).json()
                assert health["version"] == "9.9.9"
            """
        )
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_fixture_fails_clearly_without_aiohttp(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(BLOCK_AIOHTTP)
    (tmp_path / "test_needs_server.py").write_text(
        "def test_server(ailoop_server):\n    pass\n\ndef test_unrelated():\n    pass\n"
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 passed, 1 error" in result.stdout
    assert "pip install 'ailoop-py[testing]'" in result.stdout

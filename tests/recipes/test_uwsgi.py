"""uWSGI without Python threads: detected from ``uwsgi.opt`` and reported once.

The real-uWSGI tests serve ``uwsgi_probe.py`` with the ``uwsgi`` that the ``dev`` extra
builds (or the binary named by ``$AILOOP_TEST_UWSGI``, to try another release), with and
without ``--enable-threads``. uWSGI's own startup line ("python threads support
enabled", or "Python threads support is disabled") is the truth the detection must
agree with; the client's stream thread must then reconnect while no request is running
exactly when threads are on.
"""

import logging
import os
import pathlib
import subprocess
import sys
import types
from typing import Any, Dict, Iterator, Tuple

import pytest
import requests

import ailoop
from ailoop import _uwsgi
from ailoop._uwsgi import threads_disabled, warn_if_threads_disabled
from ailoop.testing import AiloopTestServer
from tests.recipes.conftest import DEADLINE, LoggedProcess, child_environment

pytestmark = pytest.mark.skipif(os.name != "posix", reason="uWSGI runs on POSIX systems")

PROBE = pathlib.Path(__file__).with_name("uwsgi_probe.py")
WARNING = "runs this process without Python threads"
#: How long a stream thread that can run gets to reconnect, and how long one that cannot
#: run is watched to make sure it does not.
RECONNECT_WINDOW = 5.0


def uwsgi_binary() -> str:
    installed = pathlib.Path(sys.executable).with_name("uwsgi")
    return os.environ.get("AILOOP_TEST_UWSGI") or str(installed)


def uwsgi_version() -> Tuple[int, ...]:
    printed = subprocess.run(
        [uwsgi_binary(), "--version"], capture_output=True, text=True, timeout=60, check=True
    ).stdout.strip()
    return tuple(int(part) for part in printed.split("-")[0].split(".")[:3])


# -- the rule, on the options uWSGI exposes ---------------------------------------------


@pytest.mark.parametrize(
    ("options", "disabled"),
    [
        ({}, True),
        ({"http-socket": b":8000", "processes": b"4"}, True),
        ({"enable-threads": True}, False),
        ({"enable-threads": b"true"}, False),
        ({"enable-threads": b"false"}, True),
        ({"enable-threads": b"0"}, True),
        ({"enable-threads": [True, b"off"]}, True),
        ({"enable-threads": [b"no", True]}, False),
        ({"threads": b"1"}, False),
        ({"threads": b"8"}, False),
        ({"gevent": b"100"}, False),
        ({"py-autoreload": b"2"}, False),
    ],
)
def test_before_2_0_27_the_options_decide(options: Dict[str, Any], disabled: bool) -> None:
    assert threads_disabled((2, 0, 21), options) is disabled
    assert threads_disabled((2, 0, 26), options) is disabled
    assert threads_disabled(None, options) is disabled


@pytest.mark.parametrize("version", [(2, 0, 27), (2, 0, 31), (2, 1, 0), (3, 0, 0)])
def test_from_2_0_27_threads_are_always_on(version: Tuple[int, ...]) -> None:
    assert threads_disabled(version, {}) is False
    assert threads_disabled(version, {"enable-threads": b"false"}) is False


@pytest.fixture
def fake_uwsgi(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """An embedded ``uwsgi`` module as an old uWSGI exposes it (a real one runs below)."""
    module = types.ModuleType("uwsgi")
    module.opt = {"http-socket": b"127.0.0.1:0"}  # type: ignore[attr-defined]
    module.version_info = (2, 0, 21, 0, b"")  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "uwsgi", module)
    monkeypatch.setattr(_uwsgi, "_checked", False)
    yield module


def test_one_warning_per_process_naming_the_option(
    fake_uwsgi: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ailoop.uwsgi"):
        warn_if_threads_disabled()
        warn_if_threads_disabled()
    [record] = caplog.records
    assert record.name == "ailoop.uwsgi"
    assert "uWSGI 2.0.21 " + WARNING in record.getMessage()
    assert "--enable-threads" in record.getMessage()


def test_the_client_checks_when_it_starts_its_stream(
    fake_uwsgi: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="ailoop.uwsgi"), AiloopTestServer() as server:
        client = ailoop.AiloopClient(server.url, channel="uwsgi")
        try:
            client.connect_websocket()
        finally:
            client.close()
    assert [record.name for record in caplog.records] == ["ailoop.uwsgi"]


def test_no_warning_with_enable_threads(
    fake_uwsgi: types.ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    fake_uwsgi.opt["enable-threads"] = True  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="ailoop.uwsgi"):
        warn_if_threads_disabled()
    assert caplog.records == []


def test_nothing_outside_uwsgi(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "uwsgi", None)  # import uwsgi raises ImportError
    monkeypatch.setattr(_uwsgi, "_checked", False)
    with caplog.at_level(logging.WARNING, logger="ailoop.uwsgi"):
        warn_if_threads_disabled()
    assert caplog.records == []


# -- a real uWSGI -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed_version() -> Tuple[int, ...]:
    return uwsgi_version()


def serve(server: AiloopTestServer, *options: str) -> LoggedProcess:
    return LoggedProcess(
        "uwsgi",
        [
            uwsgi_binary(),
            *("--http-socket", "127.0.0.1:0", "--wsgi-file", str(PROBE)),
            *("--processes", "1", "--need-app", "--home", sys.prefix),
            *options,
        ],
        cwd=PROBE.parent,
        env=child_environment(AILOOP_SERVER_URL=server.url),
        stop_signal=2,  # SIGINT: uWSGI without a master stops on it (SIGTERM may reload)
    )


@pytest.mark.slow
@pytest.mark.parametrize("options", [(), ("--enable-threads",)], ids=["plain", "enable-threads"])
def test_real_uwsgi(options: Tuple[str, ...], installed_version: Tuple[int, ...]) -> None:
    with AiloopTestServer() as server:
        served = serve(server, *options)
        try:
            port = served.wait_for(r"bound to TCP address 127\.0\.0\.1:(\d+)").group(1)
            uwsgi_says = served.wait_for(r"(?i)python threads support (enabled|is disabled)")
            threads_on = uwsgi_says.group(1) == "enabled"

            response = requests.get(f"http://127.0.0.1:{port}/", timeout=DEADLINE)
            assert response.text == "streaming\n"
            server.wait_for_connections(viewers=1, timeout=DEADLINE)

            # The request is over: only a thread that can run now reconnects the stream.
            server.drop_connections()
            server.wait_for_connections(viewers=0, timeout=DEADLINE)
            reconnected = _reconnects(server, RECONNECT_WINDOW if not threads_on else DEADLINE)
        finally:
            served.stop()

    warned = WARNING in served.log
    expected_on = installed_version >= _uwsgi.THREADS_ALWAYS_ON or bool(options)
    assert threads_on is expected_on, served.log
    assert warned is not threads_on, served.log
    assert served.log.count(WARNING) <= 1
    assert reconnected is threads_on, served.log


def _reconnects(server: AiloopTestServer, within: float) -> bool:
    try:
        server.wait_for_connections(viewers=1, timeout=within)
    except TimeoutError:
        return False
    return True

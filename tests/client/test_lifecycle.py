"""Construction (defaults, environment, validation), repr, context manager, close()."""

import math
import threading
import time

import pytest

from ailoop import ClientClosedError, ConnectionError, NotFoundError, ValidationError
from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer
from tests.polling import eventually

from .conftest import TOKEN, inbound_frames

UUID_TEXT = "7d9f2a3c-1b2d-4e5f-8a9b-0c1d2e3f4a5b"


def test_defaults(monkeypatch):
    monkeypatch.delenv("AILOOP_SERVER_URL", raising=False)
    monkeypatch.delenv("AILOOP_SERVER", raising=False)
    monkeypatch.delenv("AILOOP_TOKEN", raising=False)
    client = AiloopClient()
    assert client.server_url == "http://localhost:8080"
    assert client.ws_url == "ws://localhost:8080/"
    assert (client.channel, client.timeout, client.echo_timeout) == ("public", 30.0, 5.0)
    assert (client.reconnect_attempts, client.reconnect_delay) == (5, 1.0)
    assert client.protocol == "auto"
    client.close()


def test_server_url_from_the_environment(monkeypatch):
    monkeypatch.setenv("AILOOP_SERVER_URL", "http://10.1.2.3:9000/hil/")
    with AiloopClient() as client:
        assert client.server_url == "http://10.1.2.3:9000/hil"
        assert client.ws_url == "ws://10.1.2.3:9000/hil/"


@pytest.mark.parametrize(
    ("argument", "url_variable", "server_variable", "expected"),
    [
        ("http://arg:1", "http://url-var:2", "http://server-var:3", "http://arg:1"),
        (None, "http://url-var:2", "http://server-var:3", "http://url-var:2"),
        (None, None, "http://server-var:3", "http://server-var:3"),
        (None, "", "http://server-var:3", "http://server-var:3"),
        (None, None, None, "http://localhost:8080"),
        (None, "", "", "http://localhost:8080"),
    ],
)
def test_the_server_url_chain(monkeypatch, argument, url_variable, server_variable, expected):
    """server_url, then $AILOOP_SERVER_URL, then $AILOOP_SERVER, then localhost:8080."""
    for name, value in (
        ("AILOOP_SERVER_URL", url_variable),
        ("AILOOP_SERVER", server_variable),
    ):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with AiloopClient(argument) as client:
        assert client.server_url == expected


def test_a_bad_server_url_in_the_environment_names_its_variable(monkeypatch):
    monkeypatch.delenv("AILOOP_SERVER_URL", raising=False)
    monkeypatch.setenv("AILOOP_SERVER", "ftp://example.test")
    with pytest.raises(ValidationError, match=r"^\$AILOOP_SERVER: "):
        AiloopClient()


def test_construction_does_no_io_and_starts_no_thread():
    before = set(threading.enumerate())
    client = AiloopClient("http://127.0.0.1:1", token=TOKEN)
    assert set(threading.enumerate()) == before
    client.close()


def test_repr_shows_url_and_channel_never_credentials():
    client = AiloopClient("https://user:pw-123@example.test:8443/hil", channel="ops")
    assert repr(client) == "<AiloopClient 'https://example.test:8443/hil' channel='ops'>"
    with_token = AiloopClient("http://127.0.0.1:1", token=TOKEN)
    assert TOKEN not in repr(with_token)
    client.close()
    with_token.close()
    assert repr(client).endswith("closed>")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"channel": "no spaces"},
        {"channel": "admin"},
        {"channel": None},
        {"timeout": 0},
        {"timeout": -1},
        {"timeout": math.nan},
        {"timeout": math.inf},
        {"timeout": "30"},
        {"timeout": True},
        {"echo_timeout": 0},
        {"reconnect_attempts": -1},
        {"reconnect_attempts": 1.5},
        {"reconnect_delay": -0.1},
        {"protocol": "v2"},
        {"verify": "/no/such/ca.pem"},
        {"verify": 1},
        {"token": ""},
        {"token": "two words"},
        {"token": "line\nbreak"},
        {"server_url": "localhost:8080"},
    ],
)
def test_bad_constructor_arguments(kwargs):
    kwargs.setdefault("server_url", "http://127.0.0.1:1")
    with pytest.raises(ValidationError):
        AiloopClient(**kwargs)


def test_url_credentials_and_token_together_are_refused():
    with pytest.raises(ValidationError, match="not both"):
        AiloopClient("http://u:p@127.0.0.1:1", token=TOKEN)


def test_context_manager_closes(v1_server):
    with AiloopClient(v1_server.url) as client:
        client.get_stats()
    assert client.closed
    with pytest.raises(ClientClosedError):
        client.get_stats()
    with pytest.raises(ClientClosedError), client:
        pass


def test_every_method_raises_after_close(v1_server):
    client = AiloopClient(v1_server.url)
    client.close()
    client.close()  # idempotent
    calls = {
        "ask": lambda: client.ask("q", choices=["a", "b"]),
        "ask_decision": lambda: client.ask_decision("d", "s", ["a", "b"]),
        "authorize": lambda: client.authorize("x"),
        "navigate": lambda: client.navigate("https://example.com/"),
        "say": lambda: client.say("x"),
        "respond": lambda: client.respond(UUID_TEXT, "x"),
        "get_message": lambda: client.get_message(UUID_TEXT),
        "check_version_compatibility": client.check_version_compatibility,
        "get_health": client.get_health,
        "get_stats": client.get_stats,
        "get_channels": client.get_channels,
        "get_channel_messages": lambda: client.get_channel_messages("ops"),
        "get_channel_stats": lambda: client.get_channel_stats("ops"),
        "get_pending": client.get_pending,
        "create_task": lambda: client.create_task("t", "d"),
        "get_task": lambda: client.get_task(UUID_TEXT),
        "list_tasks": client.list_tasks,
        "update_task": lambda: client.update_task(UUID_TEXT, "done"),
        "add_dependency": lambda: client.add_dependency(UUID_TEXT, UUID_TEXT),
        "remove_dependency": lambda: client.remove_dependency(UUID_TEXT, UUID_TEXT),
        "get_task_dependencies": lambda: client.get_task_dependencies(UUID_TEXT),
        "get_ready_tasks": client.get_ready_tasks,
        "get_blocked_tasks": client.get_blocked_tasks,
        "get_dependency_graph": lambda: client.get_dependency_graph(UUID_TEXT),
    }
    for name, call in calls.items():
        with pytest.raises(ClientClosedError):
            call()
        assert v1_server.requests == [], name


def test_close_cuts_a_prompt_waiting_for_its_echo():
    # the v0 server drops a decision, so the prompt would wait the whole echo_timeout
    with AiloopTestServer(protocol="v0") as server:
        client = AiloopClient(server.url, protocol="v1", echo_timeout=60)
        outcome = []
        done = threading.Event()

        def prompt() -> None:
            try:
                client.ask("Pick", choices=["a", "b"])
            except BaseException as exc:
                outcome.append(exc)
            done.set()

        thread = threading.Thread(target=prompt, name="prompting", daemon=True)
        thread.start()
        eventually(lambda: bool(inbound_frames(server)), 10)
        started = time.monotonic()
        client.close()
        assert done.wait(10)
        thread.join(5)
    assert time.monotonic() - started < 10
    assert len(outcome) == 1 and isinstance(outcome[0], ClientClosedError)


def test_base_path(era):
    with AiloopTestServer(protocol=era, base_path="/hil") as server:
        assert server.url.endswith("/hil")
        with AiloopClient(server.url, protocol=era) as client:
            client.get_health()
            sent = client.authorize("deploy")
            assert client.get_channel_messages("public")[0].id == sent.id
            assert client.check_version_compatibility()["compatible"]
        assert all(request.path.startswith("/hil/") for request in server.requests)
        assert server.wait_for_pending(10).message_id == str(sent.id)


def test_wrong_base_path_gives_clear_errors():
    with AiloopTestServer(base_path="/hil") as server:
        root = server.url[: -len("/hil")]
        with AiloopClient(root + "/other", protocol="v1") as client:
            with pytest.raises(ConnectionError, match="base path"):
                client.authorize("deploy")
            with pytest.raises(NotFoundError):
                client.get_health()

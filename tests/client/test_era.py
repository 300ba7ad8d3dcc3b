"""Era detection: cached, probed only when a prompt needs it, overridable, and the
warp-era fallback from ``decision`` to ``question`` (PROTOCOL.md §8.10)."""

import pytest

import ailoop
from ailoop import ConnectionError, DecisionContent, DeliveryError, QuestionContent
from ailoop._era import parse_version
from ailoop.client import AiloopClient
from ailoop.testing import AiloopTestServer

from ._servers import NoHttpServer, closed_port
from .conftest import inbound_frames, request_paths

PROBES = ["GET /api/v1/health", "GET /api/v1/pending"]


def test_plain_rest_calls_and_era_free_prompts_never_probe(v1_server, v1_client):
    v1_client.get_stats()
    v1_client.say("hi")
    v1_client.authorize("deploy")
    v1_client.navigate("https://example.com/")
    paths = request_paths(v1_server)
    assert "GET /api/v1/health" not in paths
    assert "GET /api/v1/pending" not in paths


def test_v1_is_detected_once_and_cached(v1_server, v1_client):
    first = v1_client.ask("a?", choices=["x", "y"])
    second = v1_client.ask("b?", choices=["x", "y"])
    assert isinstance(first.content, DecisionContent)
    assert isinstance(second.content, DecisionContent)
    probes = [path for path in request_paths(v1_server) if path in PROBES]
    assert probes == PROBES


def test_v0_is_detected_from_the_health_version():
    with AiloopTestServer(protocol="v0", version="0.1.46") as server, AiloopClient(
        server.url
    ) as client:
        sent = client.ask("Which?", choices=["a", "b"])
        assert isinstance(sent.content, QuestionContent)
        assert [p for p in request_paths(server) if p in PROBES] == ["GET /api/v1/health"]
        info = client.check_version_compatibility()
    assert (info["protocol"], info["compatible"], info["server_version"]) == ("v0", True, "0.1.46")


@pytest.mark.slow
def test_warp_era_falls_back_from_decision_to_question_and_remembers():
    # v1.0.0 reports version 1.0.0 like every v1.0.x but speaks `question`
    with AiloopTestServer(protocol="v0") as server, AiloopClient(
        server.url, echo_timeout=1.0
    ) as client:
        assert client.check_version_compatibility()["protocol"] is None
        sent = client.ask("Which?", choices=["a", "b"])
        assert isinstance(sent.content, QuestionContent)
        types = [frame["content"]["type"] for frame in inbound_frames(server)]
        assert types == ["decision", "question"]
        assert server.wait_for_pending(10).message_id == str(sent.id)
        # settled: the next prompt goes straight to `question`
        client.ask("Again?", choices=["a", "b"])
        types = [frame["content"]["type"] for frame in inbound_frames(server)]
        assert types == ["decision", "question", "question"]
        info = client.check_version_compatibility()
    assert (info["protocol"], info["compatible"]) == ("v0", True)


def test_warp_era_free_text_question_settles_v0_directly():
    with AiloopTestServer(protocol="v0") as server, AiloopClient(server.url) as client:
        sent = client.ask("Anything?")
        assert isinstance(sent.content, QuestionContent)
        assert [frame["content"]["type"] for frame in inbound_frames(server)] == ["question"]
        assert client.check_version_compatibility()["protocol"] == "v0"


@pytest.mark.slow
def test_protocol_override_skips_detection():
    with AiloopTestServer(protocol="v0", version="0.1.46") as server, AiloopClient(
        server.url, protocol="v1", echo_timeout=1.0
    ) as client:
        with pytest.raises(DeliveryError):
            client.ask("Which?", choices=["a", "b"])
        assert request_paths(server)[:1] != ["GET /api/v1/health"]
        assert all(path not in PROBES for path in request_paths(server))
        assert client.check_version_compatibility()["protocol"] == "v1"


@pytest.mark.slow
def test_override_v0_against_a_v1_server_sends_questions_which_are_dropped(v1_server):
    client = AiloopClient(v1_server.url, protocol="v0", echo_timeout=1.0)
    with client, pytest.raises(DeliveryError):
        client.ask("Anything?")
    assert [frame["content"]["type"] for frame in inbound_frames(v1_server)] == ["question"]


def test_two_port_server_seen_on_its_rest_port_is_refused():
    with AiloopTestServer(protocol="v0", version="0.1.20") as server, AiloopClient(
        server.url
    ) as client:
        with pytest.raises(ConnectionError, match="two-port") as caught:
            client.ask("Which?", choices=["a", "b"])
        assert f"{server.url}" in str(caught.value), "the error names the server"
        info = client.check_version_compatibility()
        assert inbound_frames(server) == []
    assert (info["compatible"], info["protocol"], info["server_version"]) == (False, None, "0.1.20")


def test_two_port_server_seen_on_its_websocket_port_is_refused():
    for _ in range(20):
        port = closed_port()
        try:
            rest = AiloopTestServer(port=port + 1, protocol="v0", version="0.1.20")
            rest.start()
        except OSError:
            continue
        try:
            silent = NoHttpServer(port)
        except OSError:
            rest.stop()
            continue
        break
    else:  # pragma: no cover - the machine has no free adjacent ports
        pytest.skip("no two adjacent free ports")
    try:
        with AiloopClient(f"http://127.0.0.1:{port}") as client:
            with pytest.raises(ConnectionError, match="two-port") as caught:
                client.ask("Which?", choices=["a", "b"])
            with pytest.raises(ConnectionError, match="two-port"):
                client.check_version_compatibility()
    finally:
        silent.stop()
        rest.stop()
    assert f"port {port + 1}" in str(caught.value)


def test_unknown_future_major_version_assumes_v1():
    with AiloopTestServer(version="2.3.0") as server, AiloopClient(server.url) as client:
        sent = client.ask("Which?", choices=["a", "b"])
        assert isinstance(sent.content, DecisionContent)
        info = client.check_version_compatibility()
    assert (info["protocol"], info["compatible"]) == ("v1", False)


def test_client_version_is_the_package_version(v1_client):
    assert v1_client.check_version_compatibility()["client_version"] == ailoop.__version__


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1.0.0", (1, 0, 0)),
        ("0.1.42", (0, 1, 42)),
        ("v1.2.3-rc1", (1, 2, 3)),
        ("1.0", None),
        (None, None),
        ("", None),
        (100, None),
    ],
)
def test_parse_version(text, parsed):
    assert parse_version(text) == parsed

"""Rule 2: credentials stay with the configured origin. A 3xx answer -- to a REST call, to
a prompt's WebSocket handshake or to the realtime stream's -- is never followed, so the
``Authorization`` header never reaches the address it points to, and the error says where
it pointed (without credentials)."""

from typing import Iterator

import pytest

import ailoop
from ailoop import AiloopClient
from ailoop.testing import AiloopTestServer

from ._hostile import Front, RawServer, respond
from .conftest import TOKEN


@pytest.fixture(params=[301, 302, 303, 307, 308])
def redirector(request: pytest.FixtureRequest, recorder: RawServer) -> Iterator[RawServer]:
    """Answers everything, WebSocket upgrades included, with a redirect to ``recorder``
    (a Location that carries credentials of its own)."""
    status = int(request.param)
    target = f"http://someone:loc-pw-1@127.0.0.1:{recorder.port}/"

    def redirect(conn, head):  # type: ignore[no-untyped-def]
        respond(conn, f"{status} Moved", b"", f"Location: {target}")

    with RawServer(redirect, name="redirector") as server:
        yield server


def _assert_refused_redirect(error: BaseException, recorder: RawServer) -> None:
    assert isinstance(error, ailoop.ConnectionError), repr(error)
    text = str(error)
    assert "redirect" in text
    assert f"127.0.0.1:{recorder.port}" in text, "the error says where it pointed"
    assert "loc-pw-1" not in text and TOKEN not in text
    assert recorder.accepted == 0, "nothing, so no Authorization header, reached the target"


def test_a_rest_redirect_is_not_followed(redirector: RawServer, recorder: RawServer) -> None:
    client = AiloopClient(redirector.url, token=TOKEN, timeout=5)
    with client, pytest.raises(ailoop.ConnectionError) as caught:
        client.get_stats()
    _assert_refused_redirect(caught.value, recorder)


def test_the_stream_handshake_redirect_is_not_followed(
    redirector: RawServer, recorder: RawServer
) -> None:
    client = AiloopClient(redirector.url, token=TOKEN, timeout=5)
    with client, pytest.raises(ailoop.ConnectionError) as caught:
        client.connect_websocket()
    _assert_refused_redirect(caught.value, recorder)
    assert sum(b"Upgrade: websocket" in head for head in redirector.heads) == 1, (
        "a redirect is final: the stream does not retry it"
    )


def test_a_prompt_handshake_redirect_is_not_followed(
    redirector: RawServer, recorder: RawServer
) -> None:
    client = AiloopClient(redirector.url, token=TOKEN, timeout=5, protocol="v1")
    with client, pytest.raises(ailoop.ConnectionError) as caught:
        client.authorize("deploy")
    _assert_refused_redirect(caught.value, recorder)


def test_a_prompt_handshake_redirect_after_a_good_viewer_is_not_followed(
    stand_in: AiloopTestServer, recorder: RawServer
) -> None:
    """The viewer connects; the prompt's own handshake is redirected."""

    def redirect(conn, head):  # type: ignore[no-untyped-def]
        respond(conn, "302 Found", b"", f"Location: ws://127.0.0.1:{recorder.port}/")

    front = Front(stand_in.port, {1: redirect})
    with front, AiloopClient(front.url, token=TOKEN, timeout=5, protocol="v1") as client:
        client.connect_websocket()
        with pytest.raises(ailoop.ConnectionError) as caught:
            client.authorize("deploy")
    _assert_refused_redirect(caught.value, recorder)

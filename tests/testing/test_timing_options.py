"""The stand-in's test-speed options: ``tick=`` and ``time_scale=``.

Bounds here are generous on purpose: each one separates "the option worked" from "the
option was ignored" by a factor of ten or more, so a loaded machine cannot flip them.
"""

import time
from typing import Callable

import pytest

from ailoop.testing import AiloopTestServer
from tests.docs.test_guides import literal_block, run

from .conftest import Ws, authorization, decision


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tick": 0}, "tick must be > 0"),
        ({"tick": -1}, "tick must be > 0"),
        ({"tick": 61}, "tick must be > 0"),
        ({"time_scale": 0}, "time_scale must be > 0"),
        ({"time_scale": 1001}, "time_scale must be > 0"),
    ],
)
def test_out_of_range_timing_options_are_refused(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        AiloopTestServer(**options)


@pytest.mark.slow
@pytest.mark.ailoop_server(time_scale=0.01)
def test_time_scale_shortens_every_server_side_timeout(
    ailoop_server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    started = time.monotonic()
    prompt = agent.send_message(authorization(timeout=60))
    frame = agent.recv_correlated(prompt, timeout=30.0)
    # Unscaled, the server would answer after 60 s; scaled, after 0.6 s.
    assert time.monotonic() - started < 30.0
    assert frame["content"]["response_type"] == "authorization_denied"
    # The stored prompt keeps the timeout the client sent.
    history = ailoop_server.messages("ops")
    assert [m.content.timeout_seconds for m in history if str(m.id) == prompt] == [60]


@pytest.mark.slow
@pytest.mark.ailoop_server(tick=0.002, time_scale=0.001)
def test_a_short_tick_shows_queued_prompts_one_after_another_quickly(
    ailoop_server: AiloopTestServer, connect: Callable[..., Ws]
) -> None:
    agent = connect()
    count = 400
    started = time.monotonic()
    prompts = [agent.send_message(decision("a", "b", timeout=1)) for _ in range(count)]
    answered = set()
    while len(answered) < count:
        frame = agent.recv_until(lambda f: f.get("correlation_id") in prompts, timeout=30.0)
        assert frame["content"]["response_type"] == "timeout"
        answered.add(frame["correlation_id"])
    # One prompt per tick: 400 prompts need at least 40 s at the default 100 ms tick.
    assert time.monotonic() - started < 30.0


def test_the_fast_timeout_example_in_the_testing_guide() -> None:
    namespace = run(literal_block("testing.rst", "a prompt nobody answers::"), "testing.rst")
    with AiloopTestServer(tick=0.01, time_scale=0.05) as server:
        namespace["test_nobody_answers"](server)

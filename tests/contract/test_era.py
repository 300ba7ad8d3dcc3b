"""Which protocol era the client finds, and prompts that only one era has."""

from typing import Callable

import pytest

import ailoop
from ailoop import AiloopClient

from .conftest import Human, Target, answered

pytestmark = pytest.mark.timeout(60)


def test_detected_era_is_the_servers(client: AiloopClient, human: Human, target: Target) -> None:
    prompt = client.ask("Which era?", timeout=30, choices=["old", "new"])  # triggers detection
    info = client.check_version_compatibility()
    assert info["protocol"] == target.protocol
    assert info["compatible"] is True
    assert info["server_version"] == client.get_health().version
    expected = "decision" if target.protocol == "v1" else "question"
    assert prompt.content.content_type == expected
    answered(client, human, prompt, "new")


def test_era_detection_without_a_prompt(client: AiloopClient, target: Target) -> None:
    info = client.check_version_compatibility()
    if target.protocol == "v0" and not info["server_version"].startswith("0."):
        # v1.0.0 looks like v1.0.1-v1.0.3 from outside: only a prompt tells them apart.
        assert info["protocol"] is None
    else:
        assert info["protocol"] == target.protocol


@pytest.mark.slow
def test_free_text_question_only_on_v0(client: AiloopClient, human: Human, target: Target) -> None:
    if target.protocol == "v1":
        with pytest.raises(ailoop.ValidationError):
            client.ask("What is your name?", timeout=30)
        return
    prompt = client.ask("What is your name?", timeout=30)
    assert answered(client, human, prompt, "Ada").content.answer == "Ada"


def test_decision_needs_a_v1_server(
    make_client: Callable[..., AiloopClient], target: Target, channel: str
) -> None:
    if target.protocol == "v1":
        pytest.skip("covered by test_outcomes on a decision-era server")
    pinned = make_client(channel=channel, protocol="v0")
    with pytest.raises(ailoop.ValidationError):
        pinned.ask_decision("d", "Pick", ["a", "b"], timeout=30)
    probing = make_client(channel=channel, echo_timeout=1)
    with pytest.raises((ailoop.ValidationError, ailoop.DeliveryError), match="v0"):
        probing.ask_decision("d", "Pick", ["a", "b"], timeout=30)


def test_pinned_protocol_skips_detection(
    make_client: Callable[..., AiloopClient], target: Target, channel: str
) -> None:
    pinned = make_client(channel=channel, protocol=target.protocol)
    assert pinned.protocol == target.protocol
    assert pinned.check_version_compatibility()["protocol"] == target.protocol

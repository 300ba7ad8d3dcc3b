"""human_as_tool: a typed function that asks a person, on both server eras."""

import inspect
import typing
from typing import Iterator, List

import pytest

from ailoop import AiloopClient, TimeoutError, ValidationError
from ailoop.testing import AiloopTestServer

from .conftest import WAIT, Human, never_answer


@pytest.fixture(params=["v1", "v0"])
def era(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def era_server(era: str, human: Human) -> Iterator[AiloopTestServer]:
    with AiloopTestServer(protocol=era, human=human) as running:
        yield running


@pytest.fixture
def era_client(era_server: AiloopTestServer, era: str) -> Iterator[AiloopClient]:
    # the era is given: detecting a v1.0.0 server costs an unanswered decision first
    with AiloopClient(era_server.url, echo_timeout=WAIT, protocol=era) as connected:
        yield connected


def test_fixed_choices_signature_and_doc(client: AiloopClient) -> None:
    tool = client.human_as_tool(choices=["approve", "reject", "escalate"])
    assert tool.__name__ == "ask_human"
    assert tool.__qualname__ == "ask_human"
    assert str(inspect.signature(tool)) == "(question: str) -> str"
    assert typing.get_type_hints(tool) == {"question": str, "return": str}
    assert tool.__doc__ is not None
    assert "'approve', 'reject', 'escalate'" in tool.__doc__


def test_open_signature_and_doc(client: AiloopClient) -> None:
    tool = client.human_as_tool()
    assert tool.__name__ == "ask_human"
    assert list(inspect.signature(tool).parameters) == ["question", "options"]
    assert typing.get_type_hints(tool) == {"question": str, "options": List[str], "return": str}
    assert tool.__doc__ is not None and "options:" in tool.__doc__


def test_fixed_choices_return_the_chosen_text(
    era_client: AiloopClient, human: Human, era: str
) -> None:
    human.rule = lambda message: "2"
    tool = era_client.human_as_tool(choices=["Red", "Blue"], timeout=30, channel="design")
    assert tool("Which color for the logo?") == "Blue"
    prompt = human.next_prompt()
    assert prompt.channel == "design"
    assert prompt.content.content_type == ("decision" if era == "v1" else "question")


def test_model_proposed_options(era_client: AiloopClient, human: Human) -> None:
    human.rule = lambda message: "3"
    tool = era_client.human_as_tool()
    assert tool("Which region?", ["eu-west", "us-east", "ap-south"]) == "ap-south"


def test_empty_options_ask_free_text_on_v0_only(
    era_client: AiloopClient, human: Human, era: str
) -> None:
    human.rule = lambda message: "  call me tomorrow  "
    tool = era_client.human_as_tool()
    if era == "v0":
        assert tool("Anything to add?", []) == "call me tomorrow"
    else:
        with pytest.raises(ValidationError, match="pass at least two options"):
            tool("Anything to add?", [])


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["only"], "options needs at least 2 entries"),
        (["Yes", "yes"], "options has a duplicate"),
        (["a", ""], r"options\[1\] must not be empty"),
        ("a,b", "options must be a list"),
    ],
)
def test_bad_options_raise_before_asking(
    client: AiloopClient, server: AiloopTestServer, options: List[str], complaint: str
) -> None:
    tool = client.human_as_tool()
    with pytest.raises(ValidationError, match=complaint):
        tool("Which?", options)
    assert server.frames == []


@pytest.mark.slow
def test_server_side_timeout_raises(client: AiloopClient, human: Human) -> None:
    human.rule = never_answer
    tool = client.human_as_tool(timeout=1, choices=["a", "b"])
    with pytest.raises(TimeoutError, match="server's timeout") as caught:
        tool("Still there?")
    assert caught.value.last_response is not None


def test_client_side_deadline_raises(client: AiloopClient, human: Human) -> None:
    human.rule = never_answer
    tool = client.human_as_tool(timeout=600, wait_timeout=0.3)
    with pytest.raises(TimeoutError):
        tool("Still there?", ["yes", "no"])


@pytest.mark.slow
def test_errors_as_text(client: AiloopClient, human: Human) -> None:
    human.rule = never_answer
    tool = client.human_as_tool(timeout=1, errors_as_text=True)
    timed_out = tool("Still there?", ["yes", "no"])
    assert timed_out.startswith("No answer from the human: ")
    assert "timeout" in timed_out
    bad = tool("Which?", ["one"])
    assert bad.startswith("No answer from the human: options needs at least 2")
    client.close()
    closed = tool("Which?", ["a", "b"])
    assert closed.startswith("No answer from the human: ") and "closed" in closed


def test_bad_arguments_are_refused_when_building(client: AiloopClient) -> None:
    with pytest.raises(ValidationError, match="choices needs at least 2"):
        client.human_as_tool(choices=["one"])
    with pytest.raises(ValidationError, match="errors_as_text"):
        client.human_as_tool(errors_as_text="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="timeout"):
        client.human_as_tool(timeout=-5)
    with pytest.raises(ValidationError, match="wait_timeout"):
        client.human_as_tool(wait_timeout=float("nan"))

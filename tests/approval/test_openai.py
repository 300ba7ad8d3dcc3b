"""ailoop.integrations.openai: recorded tool-call payloads run against the stand-in."""

import datetime
import json
import pathlib
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pytest

from ailoop import AiloopClient, ApprovalDenied, ClientClosedError, Message, ValidationError
from ailoop.integrations.openai import ToolDispatcher, function_schema
from ailoop.testing import AiloopTestServer

from .conftest import Human, never_answer

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "openai"


def recorded(name: str) -> Dict[str, Any]:
    payload: Dict[str, Any] = json.loads((DATA / name).read_text(encoding="utf-8"))
    return payload


class Deployments:
    """The application's tools; remembers what actually ran."""

    def __init__(self) -> None:
        self.deployed: List[Tuple[str, str]] = []

    def deploy(self, environment: str, version: str, api_token: str) -> Dict[str, Any]:
        """Deploy a released version.

        Args:
            environment: Where to deploy: staging or production.
            version: The release to deploy, e.g. 2.4.1.
            api_token: The deployment API token.
        """
        self.deployed.append((environment, version))
        return {"environment": environment, "version": version, "status": "deployed"}

    def list_releases(self, limit: int = 10) -> List[str]:
        """The latest releases, newest first."""
        return ["2.4.1", "2.4.0", "2.3.9"][:limit]


def decide(approve: bool) -> Any:
    """A person who picks the first option and approves (or denies) every action."""

    def rule(message: Message) -> str:
        if message.content.content_type == "authorization":
            return "yes" if approve else "no"
        return "1"

    return rule


@pytest.fixture
def app() -> Deployments:
    return Deployments()


@pytest.fixture
def dispatcher(client: AiloopClient, app: Deployments) -> ToolDispatcher:
    tools = ToolDispatcher(client)
    tools.add(app.deploy, redact=("api_token",), action="Deploy {version} to {environment}")
    tools.add(app.list_releases, require_approval=False)
    tools.add_human_tool(timeout=60)
    return tools


def test_tool_definitions(dispatcher: ToolDispatcher) -> None:
    deploy, releases, ask_human = dispatcher.tools
    assert deploy == {
        "type": "function",
        "function": {
            "name": "deploy",
            "description": "Deploy a released version.",
            "parameters": {
                "type": "object",
                "properties": {
                    "environment": {
                        "type": "string",
                        "description": "Where to deploy: staging or production.",
                    },
                    "version": {
                        "type": "string",
                        "description": "The release to deploy, e.g. 2.4.1.",
                    },
                    "api_token": {"type": "string", "description": "The deployment API token."},
                },
                "required": ["environment", "version", "api_token"],
                "additionalProperties": False,
            },
        },
    }
    assert releases["function"]["parameters"]["required"] == []
    assert releases["function"]["parameters"]["properties"] == {"limit": {"type": "integer"}}
    assert ask_human["function"]["name"] == "ask_human"
    assert ask_human["function"]["parameters"]["required"] == ["question", "options"]
    assert ask_human["function"]["parameters"]["properties"]["options"]["type"] == "array"
    assert [tool["name"] for tool in dispatcher.response_tools] == [
        "deploy",
        "list_releases",
        "ask_human",
    ]
    assert dispatcher.response_tools[0]["type"] == "function"
    assert dispatcher.response_tools[0]["parameters"] == deploy["function"]["parameters"]
    json.dumps(dispatcher.tools)  # plain JSON, ready to send


def test_chat_completion_approved(
    dispatcher: ToolDispatcher, app: Deployments, human: Human, server: AiloopTestServer
) -> None:
    human.rule = decide(approve=True)
    answers = dispatcher.execute_all(recorded("chat_completion_tool_calls.json"))
    assert answers == [
        {"role": "tool", "tool_call_id": "call_q2Xv8kLmN3pR7tYw1ZaB5cDe", "content": "eu-west"},
        {
            "role": "tool",
            "tool_call_id": "call_H7jK2mP9sT4vX1bN6cQ8rW3e",
            "content": json.dumps(
                {"environment": "production", "version": "2.4.1", "status": "deployed"}
            ),
        },
    ]
    assert app.deployed == [("production", "2.4.1")]
    question, authorization = human.next_prompt(), human.next_prompt()
    assert question.content.summary.startswith("The build passed.")
    assert authorization.content.action == "Deploy 2.4.1 to production"
    assert authorization.content.context["arguments"]["api_token"] == "***"
    assert "tok-live-9f8e7d" not in json.dumps([frame.text for frame in server.frames])


def test_chat_completion_denied(dispatcher: ToolDispatcher, app: Deployments, human: Human) -> None:
    human.rule = decide(approve=False)
    first, second = dispatcher.execute_all(recorded("chat_completion_tool_calls.json"))
    assert first["content"] == "eu-west"
    assert second["tool_call_id"] == "call_H7jK2mP9sT4vX1bN6cQ8rW3e"
    assert second["content"].startswith("A human did not approve this call, so it was not run:")
    assert app.deployed == []


@pytest.mark.slow
def test_no_answer_before_the_servers_timeout_is_a_refusal(
    client: AiloopClient, app: Deployments, human: Human
) -> None:
    human.rule = never_answer
    tools = ToolDispatcher(client)
    tools.add(app.deploy, timeout=1)
    call = recorded("chat_completion_tool_calls.json")["choices"][0]["message"]["tool_calls"][1]
    answer = tools.execute(call)
    assert answer["content"].startswith("A human did not approve this call, so it was not run:")
    assert "timeout" in answer["content"]
    assert app.deployed == []


def test_responses_api_function_calls(
    dispatcher: ToolDispatcher, app: Deployments, human: Human
) -> None:
    human.rule = decide(approve=True)
    answers = dispatcher.execute_all(recorded("responses_function_calls.json"))
    assert answers[0]["type"] == "function_call_output"
    assert answers[0]["call_id"] == "call_unLAR8MvFNptuiZK6K6HCy5k"
    assert json.loads(answers[0]["output"])["status"] == "deployed"
    assert answers[1] == {
        "type": "function_call_output",
        "call_id": "call_Xk3mQ9pL2vB7nR4tY8wZ1cFd",
        "output": '["2.4.1", "2.4.0"]',
    }
    assert app.deployed == [("staging", "2.4.1")]
    assert len(human.prompts()) == 1  # list_releases is not gated


def test_mistakes_of_the_model_become_errors_it_can_read(
    dispatcher: ToolDispatcher, app: Deployments, human: Human, server: AiloopTestServer
) -> None:
    unknown, truncated, unexpected, one_option = dispatcher.execute_all(
        recorded("chat_completion_bad_calls.json")
    )
    assert unknown["content"] == (
        "Error: there is no tool named 'delete_database'; "
        "the tools are ['ask_human', 'deploy', 'list_releases']"
    )
    assert truncated["content"].startswith(
        "Error: bad arguments for deploy: the arguments are not valid JSON"
    )
    assert unexpected["content"] == (
        "Error: bad arguments for deploy: got an unexpected keyword argument 'region'"
    )
    assert one_option["content"].startswith("No answer from the human: options needs at least 2")
    assert app.deployed == []
    assert human.prompts() == []
    assert server.frames == []


class _Dumpable:
    """Stands for an object of the ``openai`` package: pydantic, with ``model_dump()``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = data

    def model_dump(self) -> Dict[str, Any]:
        return json.loads(json.dumps(self._data))


def test_openai_package_objects_are_read_through_model_dump(
    dispatcher: ToolDispatcher, app: Deployments, human: Human
) -> None:
    human.rule = decide(approve=True)
    response = recorded("chat_completion_tool_calls.json")
    call = response["choices"][0]["message"]["tool_calls"][1]
    assert dispatcher.execute(_Dumpable(call))["tool_call_id"] == call["id"]
    assert len(dispatcher.execute_all(_Dumpable(response))) == 2
    assert app.deployed == [("production", "2.4.1"), ("production", "2.4.1")]


def test_raise_on_denial_and_transport_failures(
    client: AiloopClient, app: Deployments, human: Human
) -> None:
    human.rule = decide(approve=False)
    strict = ToolDispatcher(client)
    strict.add(app.deploy, on_denied="raise")
    call = recorded("chat_completion_tool_calls.json")["choices"][0]["message"]["tool_calls"][1]
    with pytest.raises(ApprovalDenied):
        strict.execute(call)
    client.close()
    with pytest.raises(ClientClosedError):
        strict.execute(call)
    assert app.deployed == []


def test_refuses_what_it_cannot_describe_or_run(client: AiloopClient, app: Deployments) -> None:
    tools = ToolDispatcher(client)
    tools.add(app.list_releases, require_approval=False)
    with pytest.raises(ValidationError, match="already registered"):
        tools.add(app.list_releases)
    with pytest.raises(ValidationError, match=r"\*args or \*\*kwargs"):
        tools.add(lambda *names: None, name="splat")

    def remind(when: datetime.datetime) -> None:
        """Remind me."""

    with pytest.raises(ValidationError, match="cannot describe the annotation"):
        tools.add(remind)
    with pytest.raises(ValidationError, match="tool name"):
        function_schema(app.list_releases, name="list releases")
    with pytest.raises(ValidationError, match="not an OpenAI tool call"):
        tools.execute({"name": "list_releases"})
    with pytest.raises(ValidationError, match="expected tool calls"):
        tools.execute_all({"message": "hello"})


def test_schema_of_annotations() -> None:
    import enum
    from typing import Literal, Sequence, Union

    class Color(enum.Enum):
        RED = "red"
        BLUE = "blue"

    def paint(
        color: Color,
        finish: Literal["matte", "gloss"],
        coats: Union[int, float],
        *,
        walls: Sequence[str],
        note: Optional[str] = None,
        extra: Any = None,
    ) -> None:
        """Paint the walls."""

    properties = function_schema(paint)["function"]["parameters"]["properties"]
    assert properties == {
        "color": {"enum": ["red", "blue"]},
        "finish": {"enum": ["matte", "gloss"]},
        "coats": {"anyOf": [{"type": "integer"}, {"type": "number"}]},
        "walls": {"type": "array", "items": {"type": "string"}},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "extra": {},
    }

"""ailoop.integrations.langchain: one agent step, offline, against the stand-in.

A fake chat model answers with an ``AIMessage`` carrying ``tool_calls``; each call is
run with ``tool.invoke`` and comes back as a ``ToolMessage``, while the stand-in's
scripted person approves, denies or lets the prompt time out.
"""

import asyncio
import importlib
import sys
from typing import Any, Dict, List

import pytest

pytest.importorskip("langchain_core", reason="needs the langchain extra (langchain-core)")

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import BaseTool, tool

from ailoop import AiloopClient, ClientClosedError, Message, ValidationError
from ailoop.integrations.langchain import approval_tool, human_tool, require_approval

from .conftest import Human, never_answer

REFUSED = "A human did not approve this call, so it was not run:"


def fake_model(*calls: Dict[str, Any]) -> GenericFakeChatModel:
    """A chat model whose next answer asks for ``calls``."""
    tool_calls = [
        {"name": call["name"], "args": call["args"], "id": f"call_{number}", "type": "tool_call"}
        for number, call in enumerate(calls)
    ]
    return GenericFakeChatModel(messages=iter([AIMessage(content="", tool_calls=tool_calls)]))


def agent_step(model: GenericFakeChatModel, tools: List[BaseTool]) -> List[ToolMessage]:
    """Ask the model, run the tool calls it makes, return the tool messages."""
    reply = model.invoke("Ship release 2.4.1, asking a person where it matters.")
    assert isinstance(reply, AIMessage) and reply.tool_calls
    by_name = {each.name: each for each in tools}
    answers = [by_name[call["name"]].invoke(call) for call in reply.tool_calls]
    assert all(isinstance(answer, ToolMessage) for answer in answers)
    return answers


class Release:
    def __init__(self) -> None:
        self.deployed: List[str] = []

    def deploy(self, environment: str, version: str) -> str:
        """Deploy a release.

        Args:
            environment: staging or production.
            version: The version to deploy.
        """
        self.deployed.append(f"{version}@{environment}")
        return f"deployed {version} to {environment}"


@pytest.fixture
def release() -> Release:
    return Release()


@pytest.fixture
def deploy_tool(release: Release) -> BaseTool:
    @tool
    def deploy(environment: str, version: str) -> str:
        """Deploy a release to an environment."""
        return release.deploy(environment, version)

    return deploy


def authorizations(approve: bool) -> Any:
    def rule(message: Message) -> str:
        if message.content.content_type == "authorization":
            return "yes" if approve else "no"
        return "2"

    return rule


def test_human_tool_in_an_agent_step(client: AiloopClient, human: Human) -> None:
    human.rule = authorizations(approve=True)
    ask_human = human_tool(client, timeout=60)
    assert ask_human.name == "ask_human"
    assert set(ask_human.args) == {"question", "options"}
    assert ask_human.args["options"]["type"] == "array"
    assert "at least two distinct" in ask_human.args["options"]["description"]
    model = fake_model(
        {"name": "ask_human", "args": {"question": "Region?", "options": ["eu-west", "us-east"]}}
    )
    (answer,) = agent_step(model, [ask_human])
    assert (answer.tool_call_id, answer.content) == ("call_0", "us-east")


@pytest.mark.slow
def test_human_tool_with_fixed_choices_and_a_timeout(client: AiloopClient, human: Human) -> None:
    human.rule = never_answer
    ask_human = human_tool(client, timeout=1, choices=["ship", "wait"])
    assert set(ask_human.args) == {"question"}
    model = fake_model({"name": "ask_human", "args": {"question": "Ship?"}})
    (answer,) = agent_step(model, [ask_human])
    assert answer.content.startswith("No answer from the human:")


@pytest.mark.parametrize("approve", [True, False])
def test_approval_tool(client: AiloopClient, human: Human, release: Release, approve: bool) -> None:
    human.rule = authorizations(approve)
    gated = approval_tool(client, release.deploy, redact=("version",))
    assert gated.name == "deploy"
    assert gated.args["environment"]["description"] == "staging or production."
    call = {"name": "deploy", "args": {"environment": "production", "version": "2.4.1"}}
    (answer,) = agent_step(fake_model(call), [gated])
    action = human.next_prompt().content.action
    assert action == "Release.deploy(environment='production', version=***)"
    if approve:
        assert answer.content == "deployed 2.4.1 to production"
        assert release.deployed == ["2.4.1@production"]
    else:
        assert answer.content.startswith(REFUSED)
        assert release.deployed == []


def test_require_approval_wraps_an_existing_tool(
    client: AiloopClient, human: Human, release: Release, deploy_tool: BaseTool
) -> None:
    gated = require_approval(client, deploy_tool, timeout=30)
    assert (gated.name, gated.description, gated.args) == (
        deploy_tool.name,
        deploy_tool.description,
        deploy_tool.args,
    )
    calls = (
        {"name": "deploy", "args": {"environment": "staging", "version": "2.4.1"}},
        {"name": "deploy", "args": {"environment": "production", "version": "2.4.1"}},
    )
    human.rule = lambda message: "no" if "production" in message.content.action else "yes"
    staging, production = agent_step(fake_model(*calls), [gated])
    assert staging.content == "deployed 2.4.1 to staging"
    assert production.content.startswith(REFUSED + " the person denied it")
    assert release.deployed == ["2.4.1@staging"]
    assert [human.next_prompt().content.action for _ in calls] == [
        "deploy(environment='staging', version='2.4.1')",
        "deploy(environment='production', version='2.4.1')",
    ]


@pytest.mark.slow
def test_a_server_side_timeout_is_a_refusal(
    client: AiloopClient, human: Human, release: Release, deploy_tool: BaseTool
) -> None:
    human.rule = never_answer
    gated = require_approval(client, deploy_tool, timeout=1, action="Deploy {version}")
    call = {"name": "deploy", "args": {"environment": "production", "version": "9"}}
    (answer,) = agent_step(fake_model(call), [gated])
    assert answer.content.startswith(REFUSED)
    assert release.deployed == []


def test_async_agents_get_the_same_gate(
    client: AiloopClient, human: Human, release: Release, deploy_tool: BaseTool
) -> None:
    human.rule = authorizations(approve=True)
    gated = require_approval(client, deploy_tool)
    arguments = {"environment": "qa", "version": "1"}
    call = {"name": "deploy", "args": arguments, "id": "c9", "type": "tool_call"}
    answer = asyncio.run(gated.ainvoke(call))
    assert (answer.tool_call_id, answer.content) == ("c9", "deployed 1 to qa")


def test_transport_failures_raise(
    client: AiloopClient, release: Release, deploy_tool: BaseTool
) -> None:
    gated = require_approval(client, deploy_tool)
    client.close()
    with pytest.raises(ClientClosedError):
        gated.invoke({"environment": "production", "version": "1"})
    assert release.deployed == []


def test_bad_wrapping_is_refused(client: AiloopClient, deploy_tool: BaseTool) -> None:
    with pytest.raises(ValidationError, match="does not take: token"):
        require_approval(client, deploy_tool, redact=("token",))
    with pytest.raises(ValidationError, match="BaseTool"):
        require_approval(client, len)  # type: ignore[arg-type]


def test_a_missing_langchain_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "langchain_core", None)
    monkeypatch.setitem(sys.modules, "langchain_core.tools", None)
    monkeypatch.delitem(sys.modules, "ailoop.integrations.langchain")
    with pytest.raises(ImportError, match=r"pip install 'ailoop-py\[langchain\]'"):
        importlib.import_module("ailoop.integrations.langchain")
    importlib.import_module("ailoop.integrations.openai")  # needs no extra
    assert importlib.import_module("ailoop").AiloopClient is AiloopClient

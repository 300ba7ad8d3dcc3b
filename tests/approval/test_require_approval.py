"""require_approval: the function runs on approval only, against the stand-in."""

import inspect
import json
import pickle
import threading
from typing import Any, List, Optional

import pytest

from ailoop import (
    AiloopClient,
    AiloopError,
    ApprovalDenied,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    Message,
    ResponseType,
    TimeoutError,
    ValidationError,
)
from ailoop.models import ResponseContent
from ailoop.testing import AiloopTestServer

from .conftest import WAIT, Human, deny_all, never_answer


class Ran:
    """Counts the calls that actually reached the function."""

    def __init__(self) -> None:
        self.calls: List[Any] = []
        self._lock = threading.Lock()

    def record(self, value: Any) -> None:
        with self._lock:
            self.calls.append(value)


@pytest.fixture
def ran() -> Ran:
    return Ran()


def test_approved_call_runs_and_returns(client: AiloopClient, human: Human, ran: Ran) -> None:
    @client.require_approval
    def deploy(env: str, replicas: int = 2) -> str:
        ran.record(env)
        return f"deployed {env} x{replicas}"

    assert deploy("staging") == "deployed staging x2"
    assert ran.calls == ["staging"]
    prompt = human.next_prompt()
    assert prompt.content.action == "deploy(env='staging', replicas=2)"
    assert prompt.content.timeout_seconds == 300
    assert prompt.content.context == {
        "function": "deploy",
        "arguments": {"env": "'staging'", "replicas": "2"},
    }


def test_denied_call_does_not_run(client: AiloopClient, human: Human, ran: Ran) -> None:
    human.rule = deny_all

    @client.require_approval()
    def drop_table(name: str) -> None:
        ran.record(name)

    with pytest.raises(ApprovalDenied) as caught:
        drop_table("users")
    assert ran.calls == []
    denial = caught.value
    assert isinstance(denial, AiloopError)
    assert denial.response is not None
    assert denial.response.content.response_type is ResponseType.AUTHORIZATION_DENIED
    assert denial.action == "drop_table(name='users')"
    assert "denied" in denial.reason
    assert denial.reason in str(denial)
    copy = pickle.loads(pickle.dumps(denial))  # crosses process boundaries (celery, rq)
    assert (type(copy), str(copy), copy.action, copy.reason) == (
        ApprovalDenied,
        str(denial),
        denial.action,
        denial.reason,
    )
    assert copy.response == denial.response


@pytest.mark.slow
def test_server_side_timeout_does_not_run(client: AiloopClient, human: Human, ran: Ran) -> None:
    human.rule = never_answer

    @client.require_approval(timeout=1)
    def rotate_keys() -> None:
        ran.record("rotated")

    with pytest.raises(ApprovalDenied) as caught:
        rotate_keys()
    assert ran.calls == []
    assert caught.value.response is not None
    assert caught.value.response.content.response_type is ResponseType.AUTHORIZATION_DENIED
    assert "timeout" in caught.value.reason


def test_client_side_deadline_does_not_run(client: AiloopClient, human: Human, ran: Ran) -> None:
    human.rule = never_answer

    @client.require_approval(timeout=600, wait_timeout=0.3)
    def wipe() -> None:
        ran.record("wiped")

    with pytest.raises(ApprovalDenied) as caught:
        wipe()
    assert ran.calls == []
    assert "wait_timeout (0.3 s)" in caught.value.reason
    assert caught.value.response is None
    assert isinstance(caught.value.__cause__, TimeoutError)


def test_on_denied_callable_replaces_the_result(
    client: AiloopClient, human: Human, ran: Ran
) -> None:
    human.rule = deny_all
    seen: List[ApprovalDenied] = []

    def refuse(error: ApprovalDenied) -> str:
        seen.append(error)
        return f"The human refused: {error.reason}"

    @client.require_approval(on_denied=refuse)
    def send_email(to: str) -> str:
        ran.record(to)
        return "sent"

    result = send_email("ceo@example.com")
    assert ran.calls == []
    assert result.startswith("The human refused: the person denied it")
    assert len(seen) == 1 and isinstance(seen[0], ApprovalDenied)
    human.rule = lambda message: "yes"
    assert send_email("ceo@example.com") == "sent"


def test_redacted_and_long_arguments(
    client: AiloopClient, server: AiloopTestServer, human: Human
) -> None:
    @client.require_approval(redact=("password", "token"), max_argument_chars=12)
    def login(user: str, password: str, note: str = "", **extra: Any) -> str:
        return user

    assert login("alice", "hunter2-secret", "x" * 50, token="tok-secret-123") == "alice"
    prompt = human.next_prompt()
    arguments = prompt.content.context["arguments"]
    assert arguments == {
        "user": "'alice'",
        "password": "***",
        "note": "'xxxxxxxxxx…",
        "token": "***",
    }
    assert len(arguments["note"]) == 12
    traffic = json.dumps([frame.text for frame in server.frames]) + repr(server.requests)
    assert "hunter2-secret" not in traffic and "tok-secret-123" not in traffic


def test_action_format_string_sees_redaction(client: AiloopClient, human: Human) -> None:
    @client.require_approval(action="Transfer {amount} EUR to {iban} (pin {pin})", redact=("pin",))
    def transfer(amount: int, iban: str, pin: str) -> int:
        return amount

    assert transfer(250, "DE89", "0000") == 250
    assert human.next_prompt().content.action == "Transfer 250 EUR to DE89 (pin ***)"


def test_action_callable_and_context(client: AiloopClient, human: Human) -> None:
    def describe(path: str, *, recursive: bool = False) -> str:
        return f"Delete {path}" + (" and everything below" if recursive else "")

    @client.require_approval(action=describe, context={"ticket": "OPS-7"}, channel="ops")
    def delete(path: str, *, recursive: bool = False) -> bool:
        return True

    assert delete("/srv/data", recursive=True) is True
    prompt = human.next_prompt()
    assert prompt.channel == "ops"
    assert prompt.content.action == "Delete /srv/data and everything below"
    assert prompt.content.context["context"] == {"ticket": "OPS-7"}


def test_unformattable_action_sends_nothing(
    client: AiloopClient, server: AiloopTestServer, ran: Ran
) -> None:
    @client.require_approval(action="Deploy {environment}")
    def deploy(env: str) -> None:
        ran.record(env)

    with pytest.raises(ValidationError, match="environment"):
        deploy("prod")
    with pytest.raises(TypeError):
        deploy()  # type: ignore[call-arg]
    assert ran.calls == []
    assert server.frames == []


def test_wraps_keeps_name_doc_and_signature(client: AiloopClient) -> None:
    def search(query: str, limit: int = 10) -> List[str]:
        """Search the archive."""
        return []

    gated = client.require_approval(search)
    assert gated.__name__ == "search"
    assert gated.__doc__ == "Search the archive."
    assert inspect.signature(gated) == inspect.signature(search)
    assert gated.__wrapped__ is search  # type: ignore[attr-defined]


def test_methods_static_and_class_methods(client: AiloopClient, human: Human) -> None:
    class Fleet:
        def __init__(self, name: str) -> None:
            self.name = name

        @client.require_approval
        def scale(self, size: int) -> str:
            return f"{self.name}:{size}"

        @staticmethod
        @client.require_approval
        def ping(host: str) -> str:
            return host

        @client.require_approval
        @staticmethod
        def pong(host: str) -> str:
            return host

        @client.require_approval
        @classmethod
        def build(cls, name: str) -> "Fleet":
            return cls(name)

    fleet = Fleet.build("web")
    assert fleet.scale(3) == "web:3"
    assert Fleet.ping("a") == "a"
    assert fleet.pong("b") == "b"
    actions = [human.next_prompt().content.action for _ in range(4)]
    assert actions == [
        "Fleet.build(name='web')",
        "Fleet.scale(size=3)",
        "Fleet.ping(host='a')",
        "Fleet.pong(host='b')",
    ]


def test_nested_approvals(client: AiloopClient, human: Human) -> None:
    @client.require_approval
    def inner(step: int) -> int:
        return step * 10

    @client.require_approval
    def outer() -> int:
        return inner(1) + inner(2)

    assert outer() == 30
    assert [human.next_prompt().content.action for _ in range(3)] == [
        "outer()",
        "inner(step=1)",
        "inner(step=2)",
    ]


@pytest.mark.slow
def test_concurrent_calls_from_many_threads(client: AiloopClient, human: Human, ran: Ran) -> None:
    def odd_denied(message: Message) -> str:
        return "no" if "odd" in message.content.action else "yes"

    human.rule = odd_denied

    @client.require_approval(action="job {n} ({parity})")
    def job(n: int, parity: str) -> int:
        ran.record(n)
        return n

    results: List[Optional[int]] = [None] * 6
    errors: List[BaseException] = []

    def run(n: int) -> None:
        try:
            results[n] = job(n, "odd" if n % 2 else "even")
        except ApprovalDenied:
            results[n] = -1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,), name=f"caller-{n}") for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT * 3)
    assert errors == []
    assert results == [0, -1, 2, -1, 4, -1]
    assert sorted(ran.calls) == [0, 2, 4]


@pytest.mark.slow
def test_transport_failures_propagate_and_do_not_run(ran: Ran) -> None:
    server = AiloopTestServer().start()
    client = AiloopClient(server.url, echo_timeout=1.0, reconnect_attempts=0)

    @client.require_approval
    def act() -> None:
        ran.record("acted")

    try:
        client.connect_websocket()
        server.pause_pongs()  # the server goes silent: no echo ever comes
        with pytest.raises(DeliveryError):
            act()
        server.resume_pongs()
        server.stop()
        client.disconnect_websocket()
        with pytest.raises(ConnectionError):
            act()
    finally:
        client.close()
        server.stop()
    with pytest.raises(ClientClosedError):
        act()
    assert ran.calls == []


class _ScriptedClient:
    """Answers every authorization with one fixed response, whatever a live server
    could say: the answers a real server never gives to an authorization."""

    def __init__(self, response: Message) -> None:
        self.response = response

    def authorize(self, action: str, *args: Any, **kwargs: Any) -> Message:
        return self.response


@pytest.mark.parametrize(
    ("answer", "response_type"),
    [
        ("yes", "text"),
        ("approved", "text"),
        (None, "cancelled"),
        (None, "timeout"),
    ],
)
def test_anything_but_an_approval_is_a_denial(
    answer: Optional[str], response_type: str, ran: Ran
) -> None:
    from ailoop._approval import ApprovalSettings, approval_decorator

    content = ResponseContent(answer=answer, response_type=ResponseType(response_type))
    response = Message.new("public", content)
    gate = approval_decorator(_ScriptedClient(response), ApprovalSettings.build())  # type: ignore[arg-type]

    @gate
    def act() -> None:
        ran.record("acted")

    with pytest.raises(ApprovalDenied) as caught:
        act()
    assert ran.calls == []
    assert caught.value.response is response


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"redact": "password"}, "not the string"),
        ({"redact": ("pasword",)}, "does not have: pasword"),
        ({"redact": (1,)}, "non-empty argument names"),
        ({"max_argument_chars": 0}, "max_argument_chars"),
        ({"on_denied": "ignore"}, "on_denied"),
        ({"action": 42}, "action"),
        ({"action": "  "}, "action"),
        ({"timeout": -1}, "timeout"),
        ({"wait_timeout": "soon"}, "wait_timeout"),
        ({"context": {"when": object()}}, "context"),
        ({"channel": "bad channel"}, "hannel"),
    ],
)
def test_bad_options_are_refused_at_decoration(
    client: AiloopClient, options: Any, complaint: str
) -> None:
    def login(user: str, password: str) -> None:
        pass

    with pytest.raises(ValidationError, match=complaint):
        client.require_approval(**options)(login)


def test_coroutine_functions_are_refused(client: AiloopClient) -> None:
    async def later() -> None:
        pass

    with pytest.raises(ValidationError, match="coroutine"):
        client.require_approval(later)

"""The guided tour behind ``python -m ailoop demo``.

Without ``--server`` the tour starts the stand-in server of :mod:`ailoop.testing` in
this process, with a simulated person who answers every prompt the way someone typing
in the real server's terminal would; ``$AILOOP_SERVER_URL`` and ``$AILOOP_SERVER`` are
not read, so the demo never prompts a real person unasked. With ``--server URL`` it
runs against that server, and a real person answers in its terminal or web UI. Each
step prints the one line of Python it runs, generated from the very call it makes.
"""

import queue
from typing import TYPE_CHECKING, Any, List, Optional, TextIO, Union

from ailoop._describe import describe, python_call
from ailoop._verdict import approved
from ailoop.client import AiloopClient
from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    Message,
    NavigateContent,
    NotificationContent,
    QuestionContent,
)

if TYPE_CHECKING:
    from ailoop.testing import AiloopTestServer

__all__ = ["DEMO_CHANNEL", "run_with_person", "run_with_stand_in", "simulated_person"]

DEMO_CHANNEL = "demo"
COLOR_CHOICES = ["Red", "Blue", "Green"]
STRATEGY_DECISION_ID = "deploy-strategy"
STRATEGY_OPTIONS: List[Union[DecisionOption, str]] = [
    DecisionOption(id="blue-green", label="Blue/Green", detail_markdown="Switch all at once"),
    DecisionOption(id="canary", label="Canary (10%)", detail_markdown="Ramp up slowly"),
]
DASHBOARD_URL = "https://example.com/deployments/42"
_STEPS = 6
_HANDLER_DEADLINE = 10.0


def simulated_person(message: Message) -> Optional[str]:
    """Answer a prompt as if typed in the server's terminal.

    Blue for the color question, ``2`` (the second option, canary) for the strategy
    decision, ``yes`` for the authorization and the navigation.
    """
    content = message.content
    if isinstance(content, DecisionContent):
        return "2" if content.decision_id == STRATEGY_DECISION_ID else "Blue"
    if isinstance(content, QuestionContent):
        return "Blue"
    if isinstance(content, (AuthorizationContent, NavigateContent)):
        return "yes"
    return None


def run_with_stand_in(out: TextIO, server: "Optional[AiloopTestServer]" = None) -> int:
    """Run the tour on a stand-in server with the simulated person; returns the exit status.

    ``server`` is an already started stand-in whose ``human`` is
    :func:`simulated_person` (tests pass one to inspect its logs); by default the tour
    starts and stops its own.
    """
    if server is not None:
        return _tour_on(server.url, out)
    try:
        from ailoop.testing import AiloopTestServer  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        out.write(
            f"The demo's stand-in server needs the 'testing' extra ({exc}).\n"
            "Install it with: python3 -m pip install 'ailoop-py[testing]'\n"
        )
        return 3
    with AiloopTestServer(human=simulated_person) as own_server:
        return _tour_on(own_server.url, out)


def _tour_on(url: str, out: TextIO) -> int:
    out.write(
        f"Started a stand-in ailoop server at {url}; a simulated person answers every prompt.\n\n"
    )
    with AiloopClient(url, channel=DEMO_CHANNEL) as client:
        return tour(client, out, prompt_timeout=60)


def run_with_person(client: AiloopClient, out: TextIO) -> int:
    """Run the tour against a real server; a person answers there."""
    out.write(
        f"Running the demo against {client.server_url}.\n"
        "Answer each prompt in the ailoop server's terminal or web UI.\n\n"
    )
    return tour(client, out, prompt_timeout=300)


def tour(client: AiloopClient, out: TextIO, *, prompt_timeout: int) -> int:
    """Walk through say, ask, ask_decision, authorize, navigate and a message handler."""
    _step(out, 1, 'say: notification "Release 42 is ready" (priority high)')
    note = _run(out, client.say, "Release 42 is ready", priority="high")
    _detail(out, f"the server stored it as message {note.id}")

    _step(out, 2, 'ask with choices: "What is the best color?" ' + " / ".join(COLOR_CHOICES))
    answer = _run(
        out,
        client.ask,
        "What is the best color?",
        choices=COLOR_CHOICES,
        timeout=prompt_timeout,
        wait=True,
    )
    _answered(out, answer)

    _step(out, 3, 'ask_decision: "Which deployment strategy?" blue-green / canary')
    if client.check_version_compatibility().get("protocol") == "v0":
        _detail(out, "skipped: this server predates structured decisions (ailoop v1.0.1)")
    else:
        answer = _run(
            out,
            client.ask_decision,
            STRATEGY_DECISION_ID,
            "Which deployment strategy?",
            STRATEGY_OPTIONS,
            timeout=prompt_timeout,
            context_markdown="Release 42 changes the **database schema**.",
            recommendation=DecisionRecommendation(
                option_id="blue-green", rationale_markdown="Fast rollback"
            ),
            wait=True,
        )
        _answered(out, answer)

    _step(out, 4, 'authorize: "Deploy release 42 to production"')
    answer = _run(
        out,
        client.authorize,
        "Deploy release 42 to production",
        timeout=prompt_timeout,
        context={"release": 42, "environment": "production"},
        wait=True,
    )
    _answered(out, answer)
    _code(out, "ailoop.approved(response)")
    _detail(out, "Deployment authorized" if approved(answer) else "Deployment denied")

    _step(out, 5, f"navigate: {DASHBOARD_URL}")
    answer = _run(out, client.navigate, DASHBOARD_URL, wait=True)
    _answered(out, answer)

    _step(out, 6, f"a message handler on channel {client.channel!r}")
    _handler_demo(client, out)
    out.write("\nDemo complete.\n")
    return 0


def _handler_demo(client: AiloopClient, out: TextIO) -> None:
    received: queue.Queue[Message] = queue.Queue()

    def on_message(message: Message) -> None:
        received.put(message)

    _run(out, client.add_message_handler, on_message)
    try:
        client.connect_websocket()
        note = client.say("Release 42 is live", priority="normal")
        while True:
            try:
                message = received.get(timeout=_HANDLER_DEADLINE)
            except queue.Empty:
                _detail(out, "the handler received nothing within 10 seconds")
                return
            if message.id == note.id and isinstance(message.content, NotificationContent):
                break
        _detail(
            out,
            f'handler received: notification "{message.content.text}" from '
            f"{message.sender_type} (message {message.id})",
        )
    finally:
        client.remove_message_handler(on_message)


def _run(out: TextIO, method: Any, *args: Any, **kwargs: Any) -> Any:
    """Print the line of Python that calls ``method``, then make exactly that call."""
    _code(out, python_call(f"client.{method.__name__}", args, kwargs))
    return method(*args, **kwargs)


def _step(out: TextIO, number: int, text: str) -> None:
    out.write(f"[{number}/{_STEPS}] {text}\n")


def _code(out: TextIO, line: str) -> None:
    out.write(f"      >>> {line}\n")


def _detail(out: TextIO, text: str) -> None:
    out.write(f"      {text}\n")


def _answered(out: TextIO, response: Message) -> None:
    _detail(out, f"human answered: {describe(response)} (prompt {response.correlation_id})")

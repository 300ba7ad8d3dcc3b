"""The soak test's stand-in server, run in its own process so that the test process's
threads, descriptors and ``tracemalloc`` figures are the client's alone.

``python -m tests.reliability.soak_server`` prints the server URL on one line, serves
until its standard input closes, then stops. Its simulated human answers every prompt at
once, by the number after the last ``#`` in the prompt's text: decisions get option
``n % len(options)``, authorizations are approved when ``n`` is even, else denied.
"""

from __future__ import annotations

import sys
from typing import Any

from ailoop import AuthorizationContent, DecisionContent, Message
from ailoop.testing import AiloopTestServer


def prompt_number(text: str) -> int:
    """The number after the last ``#`` of a prompt's text."""
    return int(text.rsplit("#", 1)[1])


def human(message: Message) -> Any:
    """Answer like a Telegram-style provider: ``(answer, response_type)``."""
    content = message.content
    if isinstance(content, DecisionContent):
        number = prompt_number(content.summary)
        return (content.options[number % len(content.options)].id, "text")
    if isinstance(content, AuthorizationContent):
        approved = prompt_number(content.action) % 2 == 0
        return (None, "authorization_approved" if approved else "authorization_denied")
    return None


def main() -> None:
    """Serve until stdin closes."""
    with AiloopTestServer(human=human) as server:
        sys.stdout.write(server.url + "\n")
        sys.stdout.flush()
        sys.stdin.read()


if __name__ == "__main__":
    main()

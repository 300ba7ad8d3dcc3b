"""A scripted person in front of the stand-in server, and a client for it."""

import queue
from typing import Callable, Iterator, List

import pytest

from ailoop import AiloopClient, Message
from ailoop.testing import AiloopTestServer, HumanAnswer

WAIT = 10.0
"""Generous bound for anything that should happen at once (2 noisy shared cores)."""

Rule = Callable[[Message], HumanAnswer]


class Human:
    """A human policy that records every prompt it sees and answers it by ``rule``."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule
        self._seen: queue.Queue[Message] = queue.Queue()

    def __call__(self, message: Message) -> HumanAnswer:
        self._seen.put(message)
        return self.rule(message)

    def next_prompt(self) -> Message:
        """The next prompt the person saw (waits for it)."""
        return self._seen.get(timeout=WAIT)

    def prompts(self) -> List[Message]:
        """Every prompt seen so far and not yet taken."""
        seen = []
        while not self._seen.empty():
            seen.append(self._seen.get_nowait())
        return seen


def approve_all(message: Message) -> HumanAnswer:
    return "yes"


def deny_all(message: Message) -> HumanAnswer:
    return "no"


def never_answer(message: Message) -> HumanAnswer:
    return None


@pytest.fixture
def human() -> Human:
    """The person; approves everything unless a test sets ``human.rule``."""
    return Human(approve_all)


@pytest.fixture
def server(human: Human) -> Iterator[AiloopTestServer]:
    with AiloopTestServer(human=human) as running:
        yield running


@pytest.fixture
def client(server: AiloopTestServer) -> Iterator[AiloopClient]:
    with AiloopClient(server.url, echo_timeout=WAIT) as connected:
        yield connected

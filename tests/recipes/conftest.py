"""Make the recipe apps in ``examples/`` importable, and give tests a scripted human."""

import contextlib
import pathlib
import sys
import threading
from typing import Callable, Iterator, List, Optional

from ailoop.models import Message
from ailoop.testing import AiloopTestServer

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

for _path in (EXAMPLES, EXAMPLES / "django_app"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

#: Generous bound on anything that waits for the stand-in's human (2 noisy cores).
DEADLINE = 30.0


def typing(answer: Optional[str]) -> Callable[[Message], Optional[str]]:
    """A human policy that types ``answer`` in the server's terminal (``None``: never answers)."""

    def policy(message: Message) -> Optional[str]:
        return answer

    return policy


@contextlib.contextmanager
def answer_in_text(server: AiloopTestServer, text: str) -> Iterator[None]:
    """While the block runs, answer the first prompt with a *text* reply (``text``), as the
    web UI may (``POST /api/v1/messages/{id}/response``): final, and never an approval.
    """
    answered: List[str] = []

    def answer() -> None:
        pending = server.wait_for_pending(timeout=DEADLINE)
        server.respond(pending.message_id, text, response_type="text")
        answered.append(pending.message_id)

    helper = threading.Thread(target=answer, name="answer-in-text", daemon=True)
    helper.start()
    try:
        yield
    finally:
        helper.join(DEADLINE)
    assert len(answered) == 1, "the prompt was never answered in text"

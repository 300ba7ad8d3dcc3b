"""The human policy, run on its own thread so that it may block.

The policy sees each registered prompt (the full message dict) and answers like the
real server's terminal (a ``str``) or like a Telegram-style provider (a tuple
``(answer, response_type)``), or not at all (``None``).  Neither produces a raw
response in history: only the loop's canonical response is broadcast.
"""

import logging
import queue
import threading
from typing import Any, Callable, Dict, Optional, Tuple, Union

from ailoop.models import Message

from ._registry import ProviderReply, Reply, TerminalInput
from ._wire import RESPONSE_TYPES

logger = logging.getLogger("ailoop.testing")

HumanAnswer = Union[None, str, Tuple[Optional[str], str]]
HumanPolicy = Callable[[Message], HumanAnswer]
_Item = Optional[Tuple[int, Dict[str, Any]]]


def plain_response_type(value: Any) -> Optional[str]:
    """The wire spelling of a response type given as a str or a str enum, else None."""
    for name in RESPONSE_TYPES:
        if value == name:
            return name
    return None


def to_reply(answer: HumanAnswer) -> Optional[Reply]:
    """Turn a policy's return value into a registry reply (``None``: leave it unanswered)."""
    if answer is None:
        return None
    if isinstance(answer, str):
        return TerminalInput(answer)
    if isinstance(answer, tuple) and len(answer) == 2:
        text, response_type = answer
        wire_type = plain_response_type(response_type)
        if (text is None or isinstance(text, str)) and wire_type is not None:
            return ProviderReply(text, wire_type)
    raise ValueError(
        "a human policy returns None, a str, or (answer: str | None, response_type), "
        f"got {answer!r}"
    )


class HumanWorker:
    """One named daemon thread that asks the policy about each registered prompt in turn."""

    def __init__(
        self,
        policy: HumanPolicy,
        deliver: Callable[[int, Reply], None],
        name: str,
    ) -> None:
        self._policy = policy
        self._deliver = deliver
        self._inbox: queue.Queue[_Item] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def submit(self, entry_id: int, message: Dict[str, Any]) -> None:
        """Ask the policy about a newly registered prompt (any thread); ``message`` is wire JSON."""
        self._inbox.put((entry_id, message))

    def stop(self, timeout: float) -> None:
        """Let the thread finish its current call and exit; wait at most ``timeout``."""
        self._inbox.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            logger.warning("the human policy did not return within %.1f s", timeout)

    def _run(self) -> None:
        while True:
            item = self._inbox.get()
            if item is None:
                return
            entry_id, message = item
            try:
                reply = to_reply(self._policy(Message.from_wire(message)))
            except Exception:
                logger.exception("the human policy failed on message %s", message.get("id"))
                continue
            if reply is not None:
                self._deliver(entry_id, reply)

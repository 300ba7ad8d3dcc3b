"""The one global human-interaction loop, as in the real server.

Every message received on a WebSocket agent connection is appended to its channel's FIFO
queue (capacity 1000, oldest dropped).  A single task ticks every 100 ms (missed ticks
are burst, like a tokio interval); on each tick it takes one message from each channel
and handles it completely before moving on, so prompts are shown strictly one at a time
server-wide.  A prompt is registered in the :class:`PendingRegistry`, answered by HTTP,
by the human policy, or by its timeout, and the loop broadcasts one canonical response
(never stored).  A ``cancelled`` outcome re-enqueues the same message at the back.
"""

import asyncio
import collections
import logging
import os
import re
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from ._clock import RUST_WHITESPACE as _RUST_WHITESPACE
from ._hub import BroadcastHub, StoredMessage, response_message
from ._registry import ESCAPE, PendingRegistry, PromptEntry, Reply, TerminalInput

logger = logging.getLogger("ailoop.testing")

TICK_SECONDS = 0.1
QUEUE_CAPACITY = 1000
TIMEOUT_ENV = "AILOOP_DEFAULT_PROMPT_TIMEOUT_SECS"

_UNSIGNED = re.compile(r"\+?[0-9]+\Z")
_U64_MAX = 2**64 - 1
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_APPROVALS = ("y", "yes", "authorized", "approve", "ok")


def rust_trim(text: str) -> str:
    """``str::trim`` as Rust does it."""
    return text.strip(_RUST_WHITESPACE)


def parse_unsigned(text: str) -> Optional[int]:
    """``str::parse::<usize>()``: optional ``+``, ASCII digits, 64-bit range."""
    if not _UNSIGNED.match(text):
        return None
    value = int(text)
    return value if value <= _U64_MAX else None


def _ascii_casefold(text: str) -> str:
    return text.translate(_ASCII_LOWER)


def strip_markdown(summary: str) -> str:
    """The pending-list label of a decision: Markdown markers become spaces, ``#`` prefixes go."""
    for marker in ("**", "*", "_", "`"):
        summary = summary.replace(marker, " ")
    words = (word.lstrip("#") for word in summary.split())
    return " ".join(word for word in words if word)


def resolve_decision(answer: str, options: List[Dict[str, Any]]) -> Optional[Tuple[str, str, int]]:
    """Resolve an answer to ``(option id, label, 0-based index)``: id, then label, then number."""
    wanted = rust_trim(answer)
    for index, option in enumerate(options):
        if option["id"] == wanted:
            return option["id"], option["label"], index
    folded = _ascii_casefold(wanted)
    for index, option in enumerate(options):
        if _ascii_casefold(option["label"]) == folded:
            return option["id"], option["label"], index
    number = parse_unsigned(wanted)
    if number is not None and 1 <= number <= len(options):
        option = options[number - 1]
        return option["id"], option["label"], number - 1
    return None


def terminal_authorization(text: str) -> str:
    """What a line typed at the authorization/navigation prompt means."""
    if rust_trim(text).lower() in _APPROVALS:
        return "authorization_approved"
    return "authorization_denied"


def terminal_question_answer(text: str, choices: Optional[List[str]]) -> Tuple[str, Optional[int]]:
    """v0 terminal answer: a 1-based number or a case-insensitive choice selects that choice."""
    trimmed = rust_trim(text)
    if choices is not None:
        number = parse_unsigned(trimmed)
        if number is not None and 1 <= number <= len(choices):
            return choices[number - 1], number - 1
        folded = _ascii_casefold(trimmed)
        for index, choice in enumerate(choices):
            if _ascii_casefold(rust_trim(choice)) == folded:
                return choice, index
    return trimmed, None


def provider_question_index(answer: Optional[str], choices: Optional[List[str]]) -> Optional[int]:
    """v0 HTTP/provider answer: an exact choice or an in-range 1-based number (no trimming)."""
    if answer is None or choices is None:
        return None
    if answer in choices:
        return choices.index(answer)
    number = parse_unsigned(answer)
    if number is not None and 1 <= number <= len(choices):
        return number - 1
    return None


class InteractionLoop:
    """Channel queues plus the processing task (every 100 ms, like the real server).

    ``tick`` and ``time_scale`` exist for tests only: a shorter tick shows queued prompts
    sooner, and every prompt timeout is multiplied by ``time_scale`` (the wire's
    ``timeout_seconds`` is a whole number of seconds, so ``time_scale=0.1`` turns the
    shortest server-side timeout, 1 s, into 0.1 s). Both default to the real server's
    timing.
    """

    def __init__(
        self,
        *,
        legacy: bool,
        default_timeout: Optional[float],
        registry: PendingRegistry,
        hub: BroadcastHub,
        on_prompt: Callable[[PromptEntry], None],
        on_open_url: Callable[[str], None],
        tick: float = TICK_SECONDS,
        time_scale: float = 1.0,
    ) -> None:
        self._legacy = legacy
        self._default_timeout = default_timeout
        self._tick_seconds = tick
        self._time_scale = time_scale
        self._registry = registry
        self._hub = hub
        self._on_prompt = on_prompt
        self._on_open_url = on_open_url
        self.queues: Dict[str, Deque[StoredMessage]] = {}

    def enqueue(self, message: StoredMessage) -> None:
        """Append to the channel's queue; a full queue silently drops its oldest entry."""
        queue = self.queues.get(message.channel)
        if queue is None:
            queue = self.queues[message.channel] = collections.deque(maxlen=QUEUE_CAPACITY)
        queue.append(message)

    async def run(self) -> None:
        """Tick forever (100 ms by default); ticks missed during a long prompt fire at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time()
        while True:
            delay = deadline - loop.time()
            await asyncio.sleep(max(delay, 0.0))
            deadline += self._tick_seconds
            await self._tick()

    async def _tick(self) -> None:
        for channel in list(self.queues):
            queue = self.queues[channel]
            if not queue:
                continue
            message = queue.popleft()
            if await self._process(message) == "cancelled":
                self.enqueue(message)

    async def _process(self, message: StoredMessage) -> Optional[str]:
        kind = message.content_type
        if kind == "decision" and not self._legacy:
            return await self._decision(message)
        if kind == "question" and self._legacy:
            return await self._question(message)
        if kind == "authorization":
            return await self._authorization(message)
        if kind == "navigate":
            return await self._navigate(message)
        if kind == "notification":
            logger.info("Notification [%s]: %s", message.channel, message.content["text"])
        return None

    def effective_timeout(self, timeout_seconds: int) -> Optional[float]:
        """The prompt's wait in (scaled) seconds; None waits forever."""
        seconds = self._configured_timeout(timeout_seconds)
        return None if seconds is None else seconds * self._time_scale

    def _configured_timeout(self, timeout_seconds: int) -> Optional[float]:
        """Message value, else the environment default, else the server default, else None."""
        if timeout_seconds > 0:
            return float(timeout_seconds)
        configured = os.environ.get(TIMEOUT_ENV)
        if configured is not None:
            value = parse_unsigned(configured)
            if value:
                return float(value)
            logger.warning("%s is not a positive integer: %r; ignoring", TIMEOUT_ENV, configured)
        if self._default_timeout is not None and self._default_timeout > 0:
            return self._default_timeout
        return None

    async def _ask(
        self, message: StoredMessage, kind: str, label: str, timeout: Optional[float]
    ) -> Optional[Reply]:
        entry = self._registry.register(message, kind, label)
        self._on_prompt(entry)
        done, _ = await asyncio.wait({entry.reply}, timeout=timeout)
        if done:
            return entry.reply.result()
        self._registry.withdraw(entry)
        return None

    def _conclude(
        self,
        prompt: StoredMessage,
        answer: Optional[str],
        response_type: str,
        metadata: Optional[Dict[str, Any]] = None,
    ) -> str:
        self._hub.broadcast(
            response_message(prompt.channel, answer, response_type, prompt.id, metadata)
        )
        return response_type

    async def _decision(self, message: StoredMessage) -> str:
        content = message.content
        options: List[Dict[str, Any]] = content["options"]
        label = strip_markdown(content["summary"])
        timeout = self.effective_timeout(content["timeout_seconds"])
        while True:
            reply = await self._ask(message, "decision", label, timeout)
            if reply is None:
                return self._conclude(message, None, "timeout")
            if isinstance(reply, TerminalInput):
                if reply.text == ESCAPE:
                    return self._conclude(message, None, "cancelled")
                raw = reply.text
            elif reply.response_type == "text" and reply.answer is not None:
                raw = reply.answer
            else:
                return self._conclude(message, None, reply.response_type)
            resolved = resolve_decision(raw, options)
            if resolved is None:
                logger.info("DECISION_UNKNOWN_ANSWER: %r matches no option; asking again", raw)
                continue
            option_id, option_label, index = resolved
            metadata = {"option_id": option_id, "label": option_label, "index": index}
            return self._conclude(message, option_id, "text", metadata)

    async def _authorization(self, message: StoredMessage) -> str:
        content = message.content
        timeout = self.effective_timeout(content["timeout_seconds"])
        reply = await self._ask(message, "authorize", content["action"], timeout)
        return self._conclude(message, None, self._yes_no(reply, on_timeout="authorization_denied"))

    async def _navigate(self, message: StoredMessage) -> str:
        url: str = message.content["url"]
        reply = await self._ask(message, "navigate", url, self.effective_timeout(0))
        outcome = self._conclude(message, None, self._yes_no(reply, on_timeout="cancelled"))
        if outcome == "authorization_approved":
            self._on_open_url(url)
        return outcome

    @staticmethod
    def _yes_no(reply: Optional[Reply], on_timeout: str) -> str:
        if reply is None:
            return on_timeout
        if isinstance(reply, TerminalInput):
            return "cancelled" if reply.text == ESCAPE else terminal_authorization(reply.text)
        return reply.response_type

    async def _question(self, message: StoredMessage) -> str:
        content = message.content
        choices: Optional[List[str]] = content.get("choices")
        timeout = self.effective_timeout(content["timeout_seconds"])
        reply = await self._ask(message, "question", content["text"], timeout)
        answer: Optional[str] = None
        index: Optional[int] = None
        if reply is None:
            response_type = "timeout"
        elif isinstance(reply, TerminalInput):
            response_type = "cancelled" if reply.text == ESCAPE else "text"
            if response_type == "text":
                answer, index = terminal_question_answer(reply.text, choices)
        else:
            answer, response_type = reply
            index = provider_question_index(answer, choices)
        metadata = None
        if index is not None and choices is not None:
            metadata = {"index": index, "value": choices[index]}
        return self._conclude(message, answer, response_type, metadata)

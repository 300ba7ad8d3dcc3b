"""Building prompt messages for the server's protocol era.

A prompt method turns its arguments into a :class:`PromptPlan`: the messages to try in
order, each with the era its echo would prove. Usually there is one message; on a
server whose era is still unsettled (v1.0.0-v1.0.3 all report ``1.0.0``) ``ask`` with
choices tries a ``decision`` first and falls back to a v0 ``question`` (PROTOCOL.md
§8.10 point 3).

Era mapping of ``ask`` (PROTOCOL.md §8.7):

* v0: a ``question`` with ``text``, ``timeout_seconds`` and the ``choices`` (free text
  allowed without choices);
* v1: a ``decision`` with ``decision_id = "ask-" + <message id>`` and one option per
  choice whose ``id`` and ``label`` are the choice text, so the resolved answer is the
  chosen text; v1 has no free-text prompt.

:class:`PromptSender` then delivers a plan: over a WebSocket agent connection (or over
HTTP with ``realtime=False``), trying its attempts in order until one is echoed.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence, Tuple

from ailoop._era import Era, EraDetector
from ailoop.exceptions import DeliveryError, MalformedResponseError, ValidationError
from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    Message,
    NavigateContent,
    NotificationContent,
    NotificationPriority,
    QuestionContent,
)

if TYPE_CHECKING:  # say() builds notifications without loading the realtime modules
    from ailoop._agent import AgentConnector
    from ailoop._realtime import RealtimeEngine

__all__ = [
    "ASK_DECISION_PREFIX",
    "PromptAttempt",
    "PromptPlan",
    "PromptSender",
    "ask_plan",
    "authorization_plan",
    "decision_plan",
    "navigate_plan",
    "notification_message",
]

logger = logging.getLogger("ailoop.client")

ASK_DECISION_PREFIX = "ask-"
"""``decision_id`` prefix of the decisions ``ask(choices=...)`` sends to v1 servers."""

_V1_NO_FREE_TEXT = (
    "v1 servers (ailoop v1.0.1 and later) have no free-text prompt: pass choices=[...] "
    "to ask(), or use ask_decision()"
)
_V0_NO_DECISION = (
    "this server speaks the v0 protocol (ailoop before v1.0.1), which has no decision "
    "prompt: use ask(question, choices=[...])"
)


@dataclass(frozen=True)
class PromptAttempt:
    """One message to deliver; an echo of it proves ``proves`` (None: proves nothing)."""

    message: Message
    proves: Optional[Era] = None


@dataclass(frozen=True)
class PromptPlan:
    """Messages to try in order until one is echoed; ``no_echo_hint`` explains a failure."""

    attempts: Tuple[PromptAttempt, ...]
    no_echo_hint: str = ""


def ask_plan(
    era: Era, channel: str, question: str, timeout_seconds: int, choices: Optional[List[str]]
) -> PromptPlan:
    """The plan for ``ask``; raises :class:`ValidationError` for free text on a v1 server."""
    if era is Era.V0:
        return PromptPlan((PromptAttempt(_question(channel, question, timeout_seconds, choices)),))
    if choices is None:
        if era is Era.V1:
            raise ValidationError(_V1_NO_FREE_TEXT)
        return PromptPlan(
            (PromptAttempt(_question(channel, question, timeout_seconds, None), Era.V0),),
            "a v1.0.1-v1.0.3 server drops free-text questions; " + _V1_NO_FREE_TEXT,
        )
    decision = PromptAttempt(_choice_decision(channel, question, timeout_seconds, choices), Era.V1)
    if era is Era.V1:
        return PromptPlan((decision,))
    fallback = PromptAttempt(_question(channel, question, timeout_seconds, choices), Era.V0)
    return PromptPlan((decision, fallback), "neither a decision nor a question was accepted")


def decision_plan(
    era: Era,
    channel: str,
    *,
    decision_id: str,
    summary: str,
    options: Sequence[DecisionOption],
    timeout_seconds: int,
    context_markdown: Optional[str],
    recommendation: Optional[DecisionRecommendation],
) -> PromptPlan:
    """The plan for ``ask_decision``; raises :class:`ValidationError` on a v0 server."""
    if era is Era.V0:
        raise ValidationError(_V0_NO_DECISION)
    content = DecisionContent(
        decision_id=decision_id,
        summary=summary,
        options=list(options),
        timeout_seconds=timeout_seconds,
        context_markdown=context_markdown,
        recommendation=recommendation,
    )
    attempt = PromptAttempt(Message.new(channel, content), Era.V1)
    if era is Era.V1:
        return PromptPlan((attempt,))
    return PromptPlan((attempt,), "a v1.0.0 server drops decisions; " + _V0_NO_DECISION)


def authorization_plan(channel: str, action: str, timeout_seconds: int, context: Any) -> PromptPlan:
    """The plan for ``authorize`` (the same in every era)."""
    content = AuthorizationContent(action=action, context=context, timeout_seconds=timeout_seconds)
    return PromptPlan((PromptAttempt(Message.new(channel, content)),))


def navigate_plan(channel: str, url: str) -> PromptPlan:
    """The plan for ``navigate`` (the same in every era)."""
    return PromptPlan((PromptAttempt(Message.new(channel, NavigateContent(url=url))),))


def notification_message(channel: str, text: str, priority: NotificationPriority) -> Message:
    """The notification ``say`` posts over HTTP."""
    return Message.new(channel, NotificationContent(text, priority))


def _question(
    channel: str, text: str, timeout_seconds: int, choices: Optional[List[str]]
) -> Message:
    content = QuestionContent(text=text, timeout_seconds=timeout_seconds, choices=choices)
    return Message.new(channel, content)


def _choice_decision(
    channel: str, question: str, timeout_seconds: int, choices: List[str]
) -> Message:
    content = DecisionContent(
        decision_id="",
        summary=question,
        options=[DecisionOption(id=choice, label=choice) for choice in choices],
        timeout_seconds=timeout_seconds,
    )
    message = Message.new(channel, content)
    decision_id = f"{ASK_DECISION_PREFIX}{message.id}"
    return dataclasses.replace(
        message, content=dataclasses.replace(content, decision_id=decision_id)
    )


class PromptSender:
    """Delivers prompt plans for one client (rebuilt with the client's parts after a fork).

    ``post(path, body)`` and ``decode(body)`` are the client's REST call and Message
    decoder; ``echo_timeout`` bounds each echo and the stream's sighting of the prompt.
    """

    def __init__(
        self,
        *,
        agent: AgentConnector,
        engine: RealtimeEngine,
        era: EraDetector,
        post: Callable[[str, Any], Any],
        decode: Callable[[Any], Message],
        echo_timeout: float,
        realtime: bool,
    ) -> None:
        self._agent = agent
        self._engine = engine
        self._era = era
        self._post = post
        self._decode = decode
        self._echo_timeout = echo_timeout
        self._realtime = realtime

    def send(self, plan: PromptPlan, wait: bool, wait_timeout: Optional[float]) -> Message:
        """Deliver a prompt; return the echoed Message, or with ``wait`` its final response.

        Runs in the calling thread. With ``realtime`` the stream is made sure to be
        connected first, the prompt goes out on a WebSocket agent connection and the call
        returns only once the stream has seen the prompt's broadcast too (so it was
        listening before any answer could come), unless a frame it received earlier on
        the same connection already proved that. Without ``realtime`` the prompt is
        posted over HTTP. The attempts of ``plan`` are tried in order until one is
        echoed: an echo that proves the server's era settles it; when the last attempt
        is not echoed either, its :class:`~ailoop.DeliveryError` carries the plan's hint.
        """
        refused = (DeliveryError,) if self._realtime else (DeliveryError, ValidationError)
        for attempt in plan.attempts[:-1]:
            try:
                return self._send_attempt(attempt, wait, wait_timeout)
            except refused:
                logger.info(
                    "%s prompt %s was not accepted; trying the next form",
                    attempt.message.content_type,
                    attempt.message.id,
                )
        try:
            return self._send_attempt(plan.attempts[-1], wait, wait_timeout)
        except DeliveryError as exc:
            if not plan.no_echo_hint:
                raise
            raise DeliveryError(
                f"{exc.message}; {plan.no_echo_hint}", message_id=exc.message_id
            ) from exc

    def _send_attempt(
        self, attempt: PromptAttempt, wait: bool, wait_timeout: Optional[float]
    ) -> Message:
        message = attempt.message
        wire = message.to_wire()
        ticket = self._engine.begin_prompt(
            str(message.id),
            message.channel,
            wire["content"],
            wait=wait,
            use_stream=self._realtime,
        )
        with ticket:
            if self._realtime:
                echo = self._agent.deliver(wire, message.id, self._echo_timeout)
            else:
                echo = self._post("/api/v1/messages", wire)
            if attempt.proves is not None:
                self._era.settle(attempt.proves)
            ticket.delivered(self._echo_timeout)
            if wait:  # the echo is not returned: no need to decode it
                response: Message = ticket.final_response(wait_timeout)
                return response
        try:
            return self._decode(echo)
        except MalformedResponseError:  # the echo still proves the delivery
            logger.warning("the echo of prompt %s could not be decoded", message.id)
            return message

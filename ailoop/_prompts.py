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
"""

import dataclasses
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Tuple

from ailoop._era import Era
from ailoop.exceptions import ValidationError
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

__all__ = [
    "ASK_DECISION_PREFIX",
    "PromptAttempt",
    "PromptPlan",
    "ask_plan",
    "authorization_plan",
    "decision_plan",
    "navigate_plan",
    "notification_message",
]

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
    return Message.new(channel, NotificationContent(text=text, priority=priority))


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

"""A fast decoder for the Message frames the realtime stream delivers to handlers.

``Message.from_wire`` is exact and liberal but names every field it reads (for its error
messages), which costs about 15 µs per frame; handlers of a busy channel pay that for
every message. :func:`decode_message` handles the form the real server emits (exact
types, upper-case ``sender_type``, lower-case enum values, RFC 3339 ``Z`` timestamps)
with inline checks in a few µs, and hands anything else to ``Message.from_wire``, so its
results and its errors are always exactly those of ``from_wire`` (and so of
dataclasses-json's ``from_dict``); ``tests/perf_equivalence`` proves it with hypothesis.
"""

import re
import sys
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List, Optional
from uuid import UUID

from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    Message,
    NavigateContent,
    NotificationContent,
    NotificationPriority,
    ResponseContent,
    ResponseType,
    SenderType,
)
from ailoop.models._content import MessageContent

__all__ = ["decode_message"]

_U32_MAX = 4_294_967_295
_SENDERS = {member.value: member for member in SenderType}
_PRIORITIES = {member.value: member for member in NotificationPriority}
_RESPONSE_TYPES = {member.value: member for member in ResponseType}
# datetime.fromisoformat reads "Z" and 9 fractional digits (truncated) from Python 3.11 on.
_ISO_PARSER_READS_Z = sys.version_info >= (3, 11)
_SERVER_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.(?:[0-9]{3}){1,3})?Z"
).fullmatch


class _Unusual(Exception):
    """Raised inside the fast path for anything it does not handle: from_wire takes over."""


def decode_message(data: Any) -> Message:
    """Decode a server frame's JSON object into a :class:`~ailoop.models.Message`.

    Same result and same :class:`~ailoop.ValidationError` as ``Message.from_wire(data)``.
    """
    if type(data) is dict:
        try:
            return _message(data)
        except (_Unusual, ValueError, KeyError, TypeError):
            pass
    return Message.from_wire(data)


def _message(obj: Dict[str, Any]) -> Message:
    correlation_id = obj.get("correlation_id")
    return Message(
        id=_uuid(obj["id"]),
        channel=_str(obj["channel"]),
        sender_type=_SENDERS[obj["sender_type"]],
        content=_content(obj["content"]),
        timestamp=_timestamp(obj["timestamp"]),
        correlation_id=None if correlation_id is None else _uuid(correlation_id),
        metadata=obj.get("metadata"),
    )


def _uuid(value: Any) -> UUID:
    if type(value) is not str:
        raise _Unusual
    return UUID(value)


def _str(value: Any) -> str:
    if type(value) is not str:
        raise _Unusual
    return value


def _optional_str(value: Any) -> Optional[str]:
    if value is not None and type(value) is not str:
        raise _Unusual
    return value


def _u32(obj: Dict[str, Any]) -> int:
    value = obj.get("timeout_seconds", 0)
    if type(value) is not int or not 0 <= value <= _U32_MAX:
        raise _Unusual
    return value


def _timestamp(value: Any) -> datetime:
    """The server's form ``YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z`` only."""
    if not _ISO_PARSER_READS_Z or type(value) is not str or not _SERVER_TIMESTAMP(value):
        raise _Unusual
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is not timezone.utc:
        raise _Unusual
    return parsed


def _content(obj: Any) -> MessageContent:
    if type(obj) is not dict:
        raise _Unusual
    decode = _CONTENT.get(_str(obj.get("type")))
    if decode is None:
        raise _Unusual  # rare and unknown types: from_wire decodes them
    return decode(obj)


def _notification(obj: Dict[str, Any]) -> MessageContent:
    return NotificationContent(
        text=_str(obj["text"]),
        priority=_PRIORITIES[obj["priority"]] if "priority" in obj else NotificationPriority.LOW,
    )


def _response(obj: Dict[str, Any]) -> MessageContent:
    return ResponseContent(
        answer=_optional_str(obj.get("answer")),
        response_type=_RESPONSE_TYPES[obj["response_type"]],
    )


def _authorization(obj: Dict[str, Any]) -> MessageContent:
    return AuthorizationContent(
        action=_str(obj["action"]), context=obj.get("context"), timeout_seconds=_u32(obj)
    )


def _navigate(obj: Dict[str, Any]) -> MessageContent:
    return NavigateContent(url=_str(obj["url"]))


def _option(obj: Any) -> DecisionOption:
    if type(obj) is not dict:
        raise _Unusual
    return DecisionOption(
        id=_str(obj["id"]),
        label=_str(obj["label"]),
        detail_markdown=_optional_str(obj.get("detail_markdown")),
    )


def _decision(obj: Dict[str, Any]) -> MessageContent:
    options = obj["options"]
    if type(options) is not list:
        raise _Unusual
    recommendation = obj.get("recommendation")
    if recommendation is not None:
        if type(recommendation) is not dict:
            raise _Unusual
        recommendation = DecisionRecommendation(
            option_id=_str(recommendation["option_id"]),
            rationale_markdown=_optional_str(recommendation.get("rationale_markdown")),
        )
    decoded: List[DecisionOption] = [_option(option) for option in options]
    return DecisionContent(
        decision_id=_str(obj["decision_id"]),
        summary=_str(obj["summary"]),
        options=decoded,
        timeout_seconds=_u32(obj),
        context_markdown=_optional_str(obj.get("context_markdown")),
        recommendation=recommendation,
    )


_CONTENT: Dict[str, Callable[[Dict[str, Any]], MessageContent]] = {
    "notification": _notification,
    "response": _response,
    "authorization": _authorization,
    "navigate": _navigate,
    "decision": _decision,
}

"""Local validation of arguments, done before anything is sent (PROTOCOL §11 item 2).

The server validates channel names only on ``POST /api/v1/messages`` and never validates
decisions, URLs or the WebSocket path, and it drops what it rejects without a word. Each
function here returns the normalised value or raises :class:`ailoop.ValidationError`
naming the argument and what was wrong.

Durations follow one rule (:func:`validate_seconds`), whatever the argument: a real
number (``int``, ``float``, :class:`fractions.Fraction`, any :class:`numbers.Real`; never
``bool``), finite and not negative; a value above :data:`MAX_WAIT_SECONDS` (ten years)
is treated as that much, "no deadline". A prompt's server-side ``timeout_seconds``
(:func:`validate_prompt_timeout`) starts from the same check, then must fit the server's
unsigned 32-bit field instead of being capped.
"""

import json
import math
import numbers
import os
import sys
import threading
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union
from urllib.parse import urlsplit
from uuid import UUID

from ailoop._connection import Verify
from ailoop.exceptions import ValidationError
from ailoop.models import (
    DecisionOption,
    DecisionRecommendation,
    NotificationPriority,
    ResponseType,
)
from ailoop.models._wire import U32_MAX, parse_uuid

__all__ = [
    "ALL_CHANNELS",
    "MAX_CHANNEL_BYTES",
    "MAX_WAIT_SECONDS",
    "RESERVED_CHANNEL_NAMES",
    "U32_MAX",
    "channel_problem",
    "validate_channel",
    "validate_choices",
    "validate_count",
    "validate_decision_options",
    "validate_flag",
    "validate_handler",
    "validate_history_channel",
    "validate_json_value",
    "validate_positive_seconds",
    "validate_priority",
    "validate_prompt_timeout",
    "validate_response_type",
    "validate_seconds",
    "validate_subscription",
    "validate_text",
    "validate_token",
    "validate_url",
    "validate_optional_string",
    "validate_string",
    "validate_uuid",
    "validate_verify",
    "validate_wait",
    "validate_wait_timeout",
]

ALL_CHANNELS = "*"
"""The subscription (and ``"*"`` handler channel) that stands for every channel."""

MAX_CHANNEL_BYTES = 64
"""Longest channel name the server accepts, in UTF-8 bytes."""

RESERVED_CHANNEL_NAMES = frozenset({"system", "admin", "internal", "reserved", "ailoop"})
"""Channel names the server refuses in any letter case."""

MAX_WAIT_SECONDS = min(threading.TIMEOUT_MAX, 10 * 365 * 24 * 3600.0)
"""Durations longer than this (ten years, or less where the platform's lock timeout is
shorter) are capped to it: effectively "no deadline", still safe to pass to
``threading.Event.wait``, sockets and ``requests``."""

_CHANNEL_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_CHANNEL_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def channel_problem(name: str) -> Optional[str]:
    """The server's complaint about channel ``name`` (its exact text), or None if valid.

    Rules and texts of the server's channel validation, in its order: empty, more than
    64 UTF-8 bytes, first character not an ASCII letter or digit, reserved name (any
    case), characters outside ``[A-Za-z0-9_-]``.
    """
    if not name:
        return "Channel name is empty"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_CHANNEL_BYTES:
        return "Channel name is too long (max 64 characters)"
    if name[0] not in _CHANNEL_START:
        return "Channel name must start with a letter or number"
    if name.lower() in RESERVED_CHANNEL_NAMES:
        return f"Channel name is reserved: {name}"
    if not _CHANNEL_CHARS.issuperset(name):
        return (
            "Channel name contains invalid characters "
            "(only letters, numbers, hyphens, and underscores allowed)"
        )
    return None


def validate_channel(name: Any, *, allow_wildcard: bool = False) -> str:
    """A channel name the server accepts; ``"*"`` (all channels) only with ``allow_wildcard``."""
    if not isinstance(name, str):
        raise ValidationError(f"channel must be a string, got {_type_name(name)}")
    if allow_wildcard and name == ALL_CHANNELS:
        return name
    problem = channel_problem(name)
    if problem is not None:
        raise ValidationError(f"channel {name[:80]!r} is invalid: {problem}")
    return name


def validate_text(value: Any, name: str) -> str:
    """A string with at least one non-whitespace character."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {_type_name(value)}")
    if not value.strip():
        raise ValidationError(f"{name} must not be empty")
    return value


def _real_seconds(value: Any, name: str) -> float:
    """``value`` as finite, non-negative seconds (bools and non-numbers refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValidationError(f"{name} must be a number of seconds, got {_type_name(value)}")
    try:
        seconds = float(value)
    except OverflowError:  # an integer or fraction beyond float range
        seconds = -sys.float_info.max if value < 0 else sys.float_info.max
    if math.isnan(seconds) or math.isinf(seconds):
        raise ValidationError(f"{name} must be a finite number of seconds, got {value!r}")
    if seconds < 0:
        raise ValidationError(f"{name} must not be negative, got {value!r}")
    return seconds


def validate_prompt_timeout(value: Any, name: str = "timeout") -> int:
    """The server-side ``timeout_seconds`` of a prompt.

    None means 0 (the server's default, 300 s on a stock ``ailoop serve``). Any finite
    real number >= 0 is rounded up to whole seconds and must fit the server's unsigned
    32-bit field (at most 4294967295).
    """
    if value is None:
        return 0
    seconds = _real_seconds(value, name)
    if seconds > U32_MAX:
        raise ValidationError(f"{name} must be at most {U32_MAX} seconds, got {value!r:.40}")
    return math.ceil(seconds)


def validate_wait_timeout(value: Any, name: str = "timeout") -> Optional[float]:
    """A client-side deadline: None (wait until answered or closed) or a duration by the
    rule of :func:`validate_seconds`.
    """
    if value is None:
        return None
    return validate_seconds(value, name)


# The wire spellings (what callers pass almost always), looked up before any clean-up.
_PRIORITIES: Dict[str, NotificationPriority] = {
    member.value: member for member in NotificationPriority
}
_RESPONSE_TYPES: Dict[str, ResponseType] = {member.value: member for member in ResponseType}


def validate_priority(value: Any) -> NotificationPriority:
    """A notification priority: a :class:`NotificationPriority` or its name in any case."""
    if type(value) is str and value in _PRIORITIES:
        return _PRIORITIES[value]
    if isinstance(value, str) and not isinstance(value, NotificationPriority):
        value = value.strip()
    return NotificationPriority.parse(value, "priority")


def validate_response_type(value: Any) -> ResponseType:
    """A response type: a :class:`ResponseType` or its wire value in any case."""
    if type(value) is str and value in _RESPONSE_TYPES:
        return _RESPONSE_TYPES[value]
    if isinstance(value, str) and not isinstance(value, ResponseType):
        value = value.strip()
    return ResponseType.parse(value, "response_type")


def validate_url(url: Any, name: str = "url") -> str:
    """An absolute URL with a scheme and a host, without spaces or control characters."""
    if not isinstance(url, str):
        raise ValidationError(f"{name} must be a string, got {_type_name(url)}")
    if not url or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in url):
        raise ValidationError(f"{name} must be a non-empty URL without spaces, got {url[:200]!r}")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for an out-of-range or non-numeric port
    except ValueError as exc:
        raise ValidationError(f"{name} is not a valid URL ({exc}): {url[:200]!r}") from None
    if not parts.scheme or not parts.hostname:
        raise ValidationError(
            f"{name} must be an absolute URL with a scheme and a host, got {url[:200]!r}"
        )
    return url


def validate_uuid(value: Any, name: str) -> UUID:
    """A UUID, given as a :class:`uuid.UUID` or any string form it parses."""
    if not isinstance(value, (UUID, str)):
        raise ValidationError(f"{name} must be a UUID or a UUID string, got {_type_name(value)}")
    return parse_uuid(value, name)


def _sequence(value: Any, name: str) -> Sequence[Any]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise ValidationError(f"{name} must be a list, got {_type_name(value)}")
    return value


def validate_choices(choices: Any) -> List[str]:
    """Choices of a question: at least two non-empty strings, unique ignoring case.

    On v1 servers each choice becomes an option whose id and label are the text, and
    the server matches labels case-insensitively, hence the case-blind uniqueness.
    """
    items = _sequence(choices, "choices")
    if len(items) < 2:
        raise ValidationError(f"choices needs at least 2 entries, got {len(items)}")
    seen = set()
    for index, choice in enumerate(items):
        if not isinstance(choice, str):
            raise ValidationError(
                f"choices[{index}] must be a string, got {_type_name(choice)}"
            )
        if not choice.strip():
            raise ValidationError(f"choices[{index}] must not be empty")
        folded = choice.casefold()
        if folded in seen:
            raise ValidationError(f"choices has a duplicate (ignoring case): {choice!r}")
        seen.add(folded)
    return list(items)


def _option(value: Any, index: int) -> DecisionOption:
    name = f"options[{index}]"
    if isinstance(value, str):
        return DecisionOption(id=value, label=value)
    if not isinstance(value, DecisionOption):
        raise ValidationError(
            f"{name} must be a DecisionOption or a string, got {_type_name(value)}"
        )
    if not isinstance(value.id, str) or not isinstance(value.label, str):
        raise ValidationError(f"{name} must have string id and label")
    if value.detail_markdown is not None and not isinstance(value.detail_markdown, str):
        raise ValidationError(f"{name}.detail_markdown must be a string or None")
    return value


def validate_decision_options(
    options: Any,
    recommendation: Union[str, DecisionRecommendation, None] = None,
) -> Tuple[List[DecisionOption], Optional[DecisionRecommendation]]:
    """Options and recommendation of a decision, checked as the Rust client does.

    ``options`` are :class:`DecisionOption` objects or plain strings (id = label = the
    string). At least two, ids non-empty and unique; ``recommendation`` (an option id or
    a :class:`DecisionRecommendation`) must name one of them.
    """
    checked = [_option(value, index) for index, value in enumerate(_sequence(options, "options"))]
    if len(checked) < 2:
        raise ValidationError(f"options needs at least 2 entries, got {len(checked)}")
    ids = set()
    for index, option in enumerate(checked):
        if not option.id.strip():
            raise ValidationError(f"options[{index}] has an empty or blank id")
        if option.id in ids:
            raise ValidationError(f"options has a duplicate id: {option.id!r}")
        ids.add(option.id)
    if recommendation is None:
        return checked, None
    if isinstance(recommendation, str):
        recommendation = DecisionRecommendation(option_id=recommendation)
    elif not isinstance(recommendation, DecisionRecommendation):
        raise ValidationError(
            "recommendation must be an option id or a DecisionRecommendation, "
            f"got {_type_name(recommendation)}"
        )
    if recommendation.option_id not in ids:
        raise ValidationError(
            f"recommendation {recommendation.option_id!r} is not one of the option ids"
        )
    return checked, recommendation


def validate_flag(value: Any, name: str) -> bool:
    """Exactly ``True`` or ``False`` (no truthy stand-ins)."""
    if not isinstance(value, bool):
        raise ValidationError(f"{name} must be True or False, got {value!r}")
    return value


def validate_subscription(channel: Any) -> str:
    """A channel to subscribe to: ``"*"`` or any non-empty name (see
    :func:`validate_history_channel`)."""
    return ALL_CHANNELS if channel == ALL_CHANNELS else validate_history_channel(channel)


def validate_positive_seconds(value: Any, name: str) -> float:
    """Like :func:`validate_seconds`, and more than 0."""
    seconds = validate_seconds(value, name)
    if seconds == 0:
        raise ValidationError(f"{name} must be more than 0 seconds")
    return seconds


def validate_seconds(value: Any, name: str) -> float:
    """A duration in seconds, by the one rule every duration argument follows: a real
    number (not ``bool``), finite and not negative, capped at :data:`MAX_WAIT_SECONDS`.
    """
    return min(_real_seconds(value, name), MAX_WAIT_SECONDS)


def validate_count(value: Any, name: str) -> int:
    """A non-negative ``int`` (bools refused)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def validate_token(token: Any) -> Optional[str]:
    """None, or a bearer token that can travel in an HTTP header."""
    if token is None:
        return None
    if not isinstance(token, str) or not token:
        raise ValidationError("token must be a non-empty string")
    if any(ord(char) < 33 or ord(char) > 126 for char in token):
        raise ValidationError(
            "token must consist of printable ASCII characters without spaces "
            "(it travels in an HTTP header)"
        )
    return token


def validate_verify(verify: Any) -> Verify:
    """``True``, ``False`` or the path of an existing CA bundle file or directory."""
    if isinstance(verify, bool):
        return verify
    path = os.fspath(verify) if isinstance(verify, (str, os.PathLike)) else None
    if not isinstance(path, str) or not path:
        raise ValidationError("verify must be True, False or the path of a CA bundle")
    if not os.path.exists(path):
        raise ValidationError(f"verify names a CA bundle that does not exist: {path!r}")
    return path


def validate_history_channel(channel: Any) -> str:
    """A channel to read history from: any non-empty string (other clients may have
    written to names the server would refuse on ``POST /api/v1/messages``)."""
    if not isinstance(channel, str) or not channel:
        raise ValidationError("channel must be a non-empty string")
    return channel


def validate_json_value(value: Any, name: str) -> Any:
    """A value ``json.dumps`` can send (no NaN, not nested beyond the recursion limit)."""
    try:
        json.dumps(value, allow_nan=False)
    except RecursionError:
        raise ValidationError(f"{name} is nested too deeply to be sent as JSON") from None
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be a JSON value: {exc}") from None
    return value


def validate_wait(wait: Any, wait_timeout: Any) -> Tuple[bool, Optional[float]]:
    """A prompt's ``wait`` flag and ``wait_timeout`` (which needs ``wait=True``)."""
    flag = validate_flag(wait, "wait")
    deadline = validate_wait_timeout(wait_timeout, "wait_timeout")
    if deadline is not None and not flag:
        raise ValidationError("wait_timeout needs wait=True")
    return flag, deadline


def validate_string(value: Any, name: str) -> str:
    """Any string (empty allowed)."""
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be a string, got {_type_name(value)}")
    return value


def validate_optional_string(value: Any, name: str) -> Optional[str]:
    """None or any string."""
    if value is not None and not isinstance(value, str):
        raise ValidationError(f"{name} must be a string or None, got {_type_name(value)}")
    return value


def validate_handler(handler: Any) -> Callable[..., Any]:
    """A callable to register as a handler."""
    if not callable(handler):
        raise ValidationError(f"handler must be callable, got {_type_name(handler)}")
    checked: Callable[..., Any] = handler
    return checked

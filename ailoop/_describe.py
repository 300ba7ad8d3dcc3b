"""Prompts, responses and client calls in words, for the command line and the demo.

Both :mod:`ailoop.cli` and :mod:`ailoop._demo` print with these functions, so neither
needs to import the other for its formatting.
"""

import dataclasses
from typing import Any, Dict, Optional, Sequence

from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    Message,
    NavigateContent,
    QuestionContent,
    ResponseType,
)

__all__ = ["describe", "describe_prompt", "python_call"]


def describe(response: Message) -> str:
    """A final response in words: the answer text, ``approved``, ``denied`` or the type."""
    content = response.content
    response_type = getattr(content, "response_type", None)
    if response_type == ResponseType.TEXT:
        answer: Optional[str] = getattr(content, "answer", None)
        return "" if answer is None else answer
    if response_type == ResponseType.AUTHORIZATION_APPROVED:
        return "approved"
    if response_type == ResponseType.AUTHORIZATION_DENIED:
        return "denied"
    return str(getattr(response_type, "value", response_type))


def describe_prompt(prompt: Message) -> str:
    """A prompt in a few words: its kind and what it asks, e.g. ``authorization "Deploy"``."""
    content = prompt.content
    if isinstance(content, AuthorizationContent):
        return f"authorization {content.action!r}"
    if isinstance(content, NavigateContent):
        return f"navigation to {content.url}"
    if isinstance(content, DecisionContent):
        return f"decision {content.summary!r}"
    if isinstance(content, QuestionContent):
        return f"question {content.text!r}"
    return f"{prompt.content_type} message"


def python_call(target: str, args: Sequence[Any], kwargs: Dict[str, Any]) -> str:
    """The one line of Python that calls ``target(*args, **kwargs)``, e.g.
    ``client.say('Release 42 is ready', priority='high')``.

    Dataclass arguments are written as their constructor call without the fields left at
    their defaults; functions by their name.
    """
    parts = [_literal(value) for value in args]
    parts += [f"{name}={_literal(value)}" for name, value in kwargs.items()]
    return f"{target}({', '.join(parts)})"


def _literal(value: Any) -> str:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [
            f"{field.name}={_literal(getattr(value, field.name))}"
            for field in dataclasses.fields(value)
            if getattr(value, field.name) != field.default
        ]
        return f"{type(value).__name__}({', '.join(fields)})"
    if isinstance(value, list):
        return f"[{', '.join(_literal(item) for item in value)}]"
    if isinstance(value, dict):
        items = (f"{_literal(key)}: {_literal(item)}" for key, item in value.items())
        return f"{{{', '.join(items)}}}"
    if callable(value) and hasattr(value, "__name__"):
        return str(value.__name__)
    return repr(value)

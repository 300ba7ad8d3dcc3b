"""``human_as_tool``: a person as a plain, typed, documented function for agents.

Agent frameworks build a tool from a function's name, docstring and annotations, so the
returned function has all three and nothing else: ``ask_human(question: str) -> str``
with fixed choices, ``ask_human(question: str, options: List[str]) -> str`` without.
Its signature never depends on the server's era; what the era allows is checked when it
is called.
"""

from typing import TYPE_CHECKING, Any, Callable, List, Optional, Sequence

from ailoop._validation import (
    validate_channel,
    validate_choices,
    validate_prompt_timeout,
    validate_text,
    validate_wait_timeout,
)
from ailoop.exceptions import AiloopError, TimeoutError, ValidationError
from ailoop.models import Message, ResponseContent, ResponseType

if TYPE_CHECKING:
    from ailoop.client import AiloopClient

__all__ = ["TOOL_NAME", "make_human_tool"]

TOOL_NAME = "ask_human"
"""The ``__name__`` of every function :meth:`~ailoop.AiloopClient.human_as_tool` returns."""

_ERROR_PREFIX = "No answer from the human: "

_OPEN_DOC = """Ask a human and return their answer.

Use this when you need a person's judgement, a fact only they know, or a choice between
alternatives you cannot make yourself. The call blocks until the person answers.

Args:
    question: The question, complete and self-contained, as the person will read it.
    options: The answers the person may pick from: at least two distinct ones. Pass an
        empty list for a free-text answer (not every server offers one).

Returns:
    The text of the person's answer (for options: the chosen option, exactly as given).
"""

_FIXED_DOC = """Ask a human and return their answer, one of: {choices}.

Use this when you need a person's judgement or a decision you cannot make yourself.
The call blocks until the person answers.

Args:
    question: The question, complete and self-contained, as the person will read it.

Returns:
    The chosen answer, exactly one of: {choices}.
"""


def make_human_tool(
    client: "AiloopClient",
    *,
    channel: Optional[str],
    timeout: Optional[float],
    choices: Optional[Sequence[str]],
    wait_timeout: Optional[float],
    errors_as_text: bool,
) -> Callable[..., str]:
    """Build the function :meth:`ailoop.AiloopClient.human_as_tool` returns."""
    target = None if channel is None else validate_channel(channel)
    validate_prompt_timeout(timeout)
    deadline = validate_wait_timeout(wait_timeout, "wait_timeout")
    if not isinstance(errors_as_text, bool):
        raise ValidationError(f"errors_as_text must be True or False, got {errors_as_text!r}")

    def answer_of(question: str, options: Optional[List[str]]) -> str:
        try:
            text = validate_text(question, "question")
            try:
                response = client.ask(
                    text, target, timeout, options, wait=True, wait_timeout=deadline
                )
            except ValidationError as exc:
                if options is not None:
                    raise
                raise ValidationError(
                    f"{exc.message} (for {TOOL_NAME}: pass at least two options)"
                ) from exc
            return _answer_text(response)
        except AiloopError as exc:
            if not errors_as_text:
                raise
            return _ERROR_PREFIX + str(exc)

    if choices is not None:
        fixed = validate_choices(choices)

        def ask_human_fixed(question: str) -> str:
            return answer_of(question, fixed)

        tool: Callable[..., str] = ask_human_fixed
        tool.__doc__ = _FIXED_DOC.format(choices=", ".join(repr(choice) for choice in fixed))
    else:

        def ask_human_open(question: str, options: List[str]) -> str:
            try:
                checked = _check_options(options)
            except ValidationError as exc:
                if not errors_as_text:
                    raise
                return _ERROR_PREFIX + str(exc)
            return answer_of(question, checked)

        tool = ask_human_open
        tool.__doc__ = _OPEN_DOC
    tool.__name__ = TOOL_NAME
    tool.__qualname__ = TOOL_NAME
    return tool


def _check_options(options: Any) -> Optional[List[str]]:
    """None (free text) for an empty list, else the options checked like ``choices``."""
    if isinstance(options, (list, tuple)) and not options:
        return None
    try:
        return validate_choices(options)
    except ValidationError as exc:
        raise ValidationError(
            exc.message.replace("choices", "options")
            + " (pass an empty list for a free-text answer)"
        ) from None


def _answer_text(response: Message) -> str:
    """The answer's text; a server-side timeout or an empty answer raises."""
    content = response.content
    if not isinstance(content, ResponseContent):
        raise AiloopError(f"the answer was a {content.content_type} message, not a response")
    if content.response_type is ResponseType.TIMEOUT:
        raise TimeoutError(
            "the person did not answer before the server's timeout", last_response=response
        )
    if content.answer is None:
        raise AiloopError(
            f"the person gave no answer (response type {str(content.response_type)!r})"
        )
    return content.answer

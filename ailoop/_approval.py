"""``require_approval``: a human gate in front of any function.

Before the function runs, an authorization describing the call is sent and waited for;
the function runs only when :func:`ailoop.approved` says yes. Everything else (a denial,
a server-side timeout, the client-side deadline, an answer of another kind) raises
:class:`~ailoop.ApprovalDenied` or, with an ``on_denied`` callable, returns what it
returns. Transport failures propagate as themselves. Either way the function does not
run: this module fails closed.

The pieces are usable without the decorator too: :class:`ApprovalSettings` holds the
checked options, :func:`run_gated` asks and runs; the framework adapters in
``ailoop.integrations`` build on them.
"""

import functools
import inspect
import json
from dataclasses import dataclass
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
    cast,
)

from ailoop._types import F
from ailoop._validation import (
    validate_channel,
    validate_prompt_timeout,
    validate_text,
    validate_wait_timeout,
)
from ailoop._verdict import approved
from ailoop.exceptions import ApprovalDenied, TimeoutError, ValidationError
from ailoop.models import Message, ResponseContent, ResponseType

if TYPE_CHECKING:
    from ailoop.client import AiloopClient

__all__ = [
    "REDACTED",
    "ApprovalSettings",
    "Call",
    "DeniedHandler",
    "approval_decorator",
    "describe_arguments",
    "run_gated",
]

T = TypeVar("T")

REDACTED = "***"
"""What a person sees instead of a redacted argument."""

DeniedHandler = Callable[[ApprovalDenied], Any]
Action = Union[str, Callable[..., Any], None]
Call = Tuple[Tuple[Any, ...], Dict[str, Any]]
"""The positional and keyword arguments of one call."""

_ELLIPSIS = "…"
_IMPLICIT_FIRST = ("self", "cls")


@dataclass(frozen=True)
class ApprovalSettings:
    """The checked options of one gate (see :meth:`ailoop.AiloopClient.require_approval`)."""

    action: Action
    channel: Optional[str]
    timeout: Optional[float]
    wait_timeout: Optional[float]
    context: Any
    redact: FrozenSet[str]
    max_argument_chars: int
    on_denied: Union[str, DeniedHandler]

    @classmethod
    def build(
        cls,
        *,
        action: Action = None,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        wait_timeout: Optional[float] = None,
        context: Any = None,
        redact: Iterable[str] = (),
        max_argument_chars: int = 200,
        on_denied: Union[str, DeniedHandler] = "raise",
    ) -> "ApprovalSettings":
        """Check every option now, so a mistake shows at decoration time, not at a call."""
        if action is not None and not isinstance(action, str) and not callable(action):
            raise ValidationError("action must be None, a format string or a callable")
        if isinstance(action, str):
            validate_text(action, "action")
        validate_prompt_timeout(timeout)
        if isinstance(redact, (str, bytes)):
            raise ValidationError(
                "redact must be a collection of argument names, e.g. redact=('password',), "
                f"not the string {redact!r}"
            )
        try:
            names = frozenset(redact)
        except TypeError:
            raise ValidationError("redact must be a collection of argument names") from None
        if not all(isinstance(name, str) and name for name in names):
            raise ValidationError("redact must hold non-empty argument names (strings)")
        if (
            isinstance(max_argument_chars, bool)
            or not isinstance(max_argument_chars, int)
            or max_argument_chars < 1
        ):
            raise ValidationError(
                f"max_argument_chars must be a positive integer, got {max_argument_chars!r}"
            )
        if on_denied != "raise" and not callable(on_denied):
            raise ValidationError("on_denied must be 'raise' or a callable")
        _check_json(context)
        return cls(
            action=action,
            channel=None if channel is None else validate_channel(channel),
            timeout=timeout,
            wait_timeout=validate_wait_timeout(wait_timeout, "wait_timeout"),
            context=context,
            redact=names,
            max_argument_chars=max_argument_chars,
            on_denied=on_denied,
        )


def describe_arguments(arguments: Mapping[str, Any], settings: ApprovalSettings) -> Dict[str, str]:
    """What the person sees of each argument: its ``repr`` cut to ``max_argument_chars``,
    or ``***`` for the names in ``redact``."""
    shown: Dict[str, str] = {}
    for name, value in arguments.items():
        if name in settings.redact:
            shown[name] = REDACTED
        else:
            shown[name] = _shorten(_safe_repr(value), settings.max_argument_chars)
    return shown


def run_gated(
    client: "AiloopClient",
    settings: ApprovalSettings,
    *,
    name: str,
    arguments: Mapping[str, Any],
    call: Call,
    run: Callable[[], T],
) -> Union[T, Any]:
    """Ask for approval of the call ``name(arguments)``; run ``run()`` only on approval.

    ``call`` is what a callable ``action`` receives. On anything but approval, raises
    :class:`~ailoop.ApprovalDenied` or returns ``settings.on_denied(error)``.
    """
    try:
        _request_approval(client, settings, name, arguments, call)
    except ApprovalDenied as denial:
        if callable(settings.on_denied):
            return settings.on_denied(denial)
        raise
    return run()


def approval_decorator(client: "AiloopClient", settings: ApprovalSettings) -> Callable[[F], F]:
    """The decorator :meth:`ailoop.AiloopClient.require_approval` returns."""

    def decorate(func: F) -> F:
        if isinstance(func, (staticmethod, classmethod)):
            return cast(F, type(func)(decorate(func.__func__)))
        if not callable(func):
            raise ValidationError(f"require_approval decorates a callable, got {func!r}")
        if inspect.iscoroutinefunction(func):
            raise ValidationError(
                "require_approval blocks the calling thread and cannot gate a coroutine "
                "function; call client.authorize(...) from a worker thread instead"
            )
        signature = inspect.signature(func)
        _check_redact_names(signature, settings.redact, func)
        qualname = getattr(func, "__qualname__", None) or repr(func)
        name = qualname.rsplit("<locals>.", 1)[-1]  # where it was defined is no news

        @functools.wraps(func)
        def gated(*args: Any, **kwargs: Any) -> Any:
            arguments = _bound_arguments(signature, args, kwargs)
            return run_gated(
                client,
                settings,
                name=name,
                arguments=arguments,
                call=(args, kwargs),
                run=lambda: func(*args, **kwargs),
            )

        return cast(F, gated)

    return decorate


def _request_approval(
    client: "AiloopClient",
    settings: ApprovalSettings,
    name: str,
    arguments: Mapping[str, Any],
    call: Call,
) -> Message:
    """Send the authorization and wait; return the approving response or raise."""
    shown = describe_arguments(arguments, settings)
    action = _action_text(settings, name, arguments, shown, call)
    context: Dict[str, Any] = {"function": name, "arguments": shown}
    if settings.context is not None:
        context["context"] = settings.context
    try:
        response = client.authorize(
            action,
            settings.channel,
            settings.timeout,
            context,
            wait=True,
            wait_timeout=settings.wait_timeout,
        )
    except TimeoutError as exc:
        if settings.wait_timeout is None:
            reason = f"no decision came in time ({exc.message})"
        else:
            reason = f"no decision came within wait_timeout ({settings.wait_timeout:g} s)"
        raise ApprovalDenied(
            f"{action!r} was not approved: {reason}",
            action=action,
            reason=reason,
            response=exc.last_response,
        ) from exc
    if approved(response):
        return response
    reason = _refusal(response)
    raise ApprovalDenied(
        f"{action!r} was not approved: {reason}", action=action, reason=reason, response=response
    )


def _refusal(response: Message) -> str:
    """Why ``response`` is not an approval, in a sentence a person or a model can read."""
    content = response.content
    if not isinstance(content, ResponseContent):
        return f"the answer was a {content.content_type} message, not a decision"
    said = f" ({content.answer})" if content.answer else ""
    if content.response_type is ResponseType.AUTHORIZATION_DENIED:
        return f"the person denied it, or did not answer before the server's timeout{said}"
    if content.response_type is ResponseType.TIMEOUT:
        return "nobody answered before the server's timeout"
    return f"the answer was {str(content.response_type)!r}{said}, not an approval"


def _action_text(
    settings: ApprovalSettings,
    name: str,
    arguments: Mapping[str, Any],
    shown: Mapping[str, str],
    call: Call,
) -> str:
    action = settings.action
    if action is None:
        listed = ", ".join(f"{key}={value}" for key, value in shown.items())
        return f"{name}({listed})"
    if isinstance(action, str):
        values = {
            key: REDACTED if key in settings.redact else value for key, value in arguments.items()
        }
        try:
            text = action.format_map(values)
        except (KeyError, IndexError, ValueError, AttributeError, TypeError) as exc:
            raise ValidationError(
                f"action {action!r} cannot be formatted with the arguments of {name}: "
                f"{type(exc).__name__}: {exc}"
            ) from None
        return validate_text(text, "action")
    args, kwargs = call
    return validate_text(action(*args, **kwargs), "the text returned by action")


def _bound_arguments(
    signature: inspect.Signature, args: Tuple[Any, ...], kwargs: Dict[str, Any]
) -> Dict[str, Any]:
    """The call's arguments by name, defaults applied, ``self``/``cls`` left out and
    ``**kwargs`` spread into their own names (so ``redact`` reaches them)."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    arguments: Dict[str, Any] = {}
    for index, (key, value) in enumerate(bound.arguments.items()):
        kind = signature.parameters[key].kind
        if index == 0 and key in _IMPLICIT_FIRST:
            continue
        if kind is inspect.Parameter.VAR_KEYWORD:
            arguments.update(value)
        else:
            arguments[key] = value
    return arguments


def _check_redact_names(
    signature: inspect.Signature, redact: FrozenSet[str], func: Callable[..., Any]
) -> None:
    """A misspelt name in ``redact`` would show a secret: refuse names the function lacks."""
    parameters = signature.parameters.values()
    if any(parameter.kind is inspect.Parameter.VAR_KEYWORD for parameter in parameters):
        return
    unknown = sorted(redact.difference(signature.parameters))
    if unknown:
        raise ValidationError(
            f"redact names arguments that {getattr(func, '__qualname__', func)!r} "
            f"does not have: {', '.join(unknown)}"
        )


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception as exc:  # a broken __repr__ must not stop the prompt
        return f"<{type(value).__name__} (repr failed: {type(exc).__name__})>"


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + _ELLIPSIS


def _check_json(value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValidationError(f"context must be a JSON value: {exc}") from None

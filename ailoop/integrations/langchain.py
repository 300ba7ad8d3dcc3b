"""LangChain tools: a person as a tool, and approval gates on tools.

Needs ``langchain-core`` (``pip install 'ailoop-py[langchain]'``)::

    from ailoop.integrations.langchain import approval_tool, human_tool, require_approval

    tools = [
        human_tool(client),                    # ask_human(question, options)
        approval_tool(client, deploy),         # a function, gated
        require_approval(client, shell_tool),  # an existing LangChain tool, gated
    ]

A gated tool runs only after a person approves the call; a refusal becomes the tool's
output (:func:`tell_the_model`), so the model learns it was refused, while transport
failures raise. Every tool here is synchronous and blocks while the person decides;
LangChain runs it in a worker thread when an agent calls ``ainvoke``.
"""

from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional, Sequence, Union

try:
    from langchain_core.tools import BaseTool, StructuredTool
except ImportError as exc:  # pragma: no cover - exercised in a test that hides the package
    raise ImportError(
        "ailoop.integrations.langchain needs langchain-core: "
        "pip install 'ailoop-py[langchain]'"
    ) from exc

from ailoop._approval import ApprovalSettings, DeniedHandler, approval_decorator, run_gated
from ailoop.exceptions import ValidationError
from ailoop.integrations._refusal import tell_the_model

if TYPE_CHECKING:
    from ailoop.client import AiloopClient

__all__ = ["approval_tool", "human_tool", "require_approval", "tell_the_model"]

Action = Union[str, Callable[..., Any], None]


def human_tool(
    client: "AiloopClient",
    *,
    channel: Optional[str] = None,
    timeout: Optional[float] = 300,
    choices: Optional[Sequence[str]] = None,
    wait_timeout: Optional[float] = None,
    errors_as_text: bool = True,
) -> BaseTool:
    """The ``ask_human`` tool: :meth:`~ailoop.AiloopClient.human_as_tool` as a LangChain
    tool, its parameters described from the function's docstring.

    Failures come back as text the model can read unless ``errors_as_text=False``.
    """
    ask_human = client.human_as_tool(
        channel=channel,
        timeout=timeout,
        choices=choices,
        wait_timeout=wait_timeout,
        errors_as_text=errors_as_text,
    )
    return StructuredTool.from_function(ask_human, parse_docstring=True)


def approval_tool(
    client: "AiloopClient",
    func: Callable[..., Any],
    *,
    name: Optional[str] = None,
    description: Optional[str] = None,
    action: Action = None,
    channel: Optional[str] = None,
    timeout: Optional[float] = 300,
    wait_timeout: Optional[float] = None,
    context: Any = None,
    redact: Iterable[str] = (),
    max_argument_chars: int = 200,
    on_denied: Union[str, DeniedHandler] = tell_the_model,
) -> BaseTool:
    """A LangChain tool from ``func``, gated by
    :meth:`~ailoop.AiloopClient.require_approval`.

    The tool's name, description and arguments come from ``func`` (its docstring's
    ``Args:`` section describes the parameters) unless ``name`` or ``description`` are
    given. The approval options are those of ``require_approval``, except that
    ``on_denied`` defaults to :func:`tell_the_model`.
    """
    settings = ApprovalSettings.build(
        action=action,
        channel=channel,
        timeout=timeout,
        wait_timeout=wait_timeout,
        context=context,
        redact=redact,
        max_argument_chars=max_argument_chars,
        on_denied=on_denied,
    )
    gated = approval_decorator(client, settings)(func)
    return StructuredTool.from_function(
        gated, name=name, description=description, parse_docstring=description is None
    )


def require_approval(
    client: "AiloopClient",
    tool: BaseTool,
    *,
    action: Action = None,
    channel: Optional[str] = None,
    timeout: Optional[float] = 300,
    wait_timeout: Optional[float] = None,
    context: Any = None,
    redact: Iterable[str] = (),
    max_argument_chars: int = 200,
    on_denied: Union[str, DeniedHandler] = tell_the_model,
) -> BaseTool:
    """A copy of the LangChain ``tool`` that runs only after a person approves each call.

    The copy has the tool's name, description and arguments; on approval it calls
    ``tool.invoke(arguments)``. The person sees ``name(argument=value, ...)`` unless
    ``action`` says otherwise (a format string over the arguments, or a callable
    receiving them as keywords). Works on structured tools (the ``@tool`` decorator,
    ``StructuredTool``, ``BaseTool`` subclasses with an ``args_schema``); raises
    :class:`~ailoop.ValidationError` for others and for a ``redact`` name the tool does
    not take.
    """
    if not isinstance(tool, BaseTool):
        raise ValidationError(f"require_approval wraps a LangChain BaseTool, got {tool!r}")
    if tool.args_schema is None:
        raise ValidationError(
            f"tool {tool.name!r} has no args_schema; only structured tools can be gated"
        )
    settings = ApprovalSettings.build(
        action=action,
        channel=channel,
        timeout=timeout,
        wait_timeout=wait_timeout,
        context=context,
        redact=redact,
        max_argument_chars=max_argument_chars,
        on_denied=on_denied,
    )
    unknown = sorted(settings.redact.difference(tool.args))
    if unknown:
        raise ValidationError(
            f"redact names arguments that tool {tool.name!r} does not take: {', '.join(unknown)}"
        )

    def gated(**arguments: Any) -> Any:
        return run_gated(
            client,
            settings,
            name=tool.name,
            arguments=arguments,
            call=((), arguments),
            run=lambda: tool.invoke(arguments),
        )

    copied: Dict[str, Any] = {
        "name": tool.name,
        "description": tool.description,
        "args_schema": tool.args_schema,
        "return_direct": tool.return_direct,
        "handle_tool_error": tool.handle_tool_error,
        "handle_validation_error": tool.handle_validation_error,
        "tags": tool.tags,
        "metadata": tool.metadata,
    }
    return StructuredTool(func=gated, **copied)

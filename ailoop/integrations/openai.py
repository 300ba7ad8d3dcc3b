"""OpenAI-style function calling: tool schemas and a dispatcher with an approval gate.

Needs no extra package: it works on the plain JSON of the Chat Completions API (a tool
call is ``{"id", "type": "function", "function": {"name", "arguments"}}``) and of the
Responses API (``{"type": "function_call", "call_id", "name", "arguments"}``), and on
the objects of the ``openai`` package, which it reads through their ``model_dump()``.

::

    dispatcher = ToolDispatcher(client)
    dispatcher.add(deploy)                    # runs only after a person approves
    dispatcher.add(search, require_approval=False)
    dispatcher.add_human_tool()               # ask_human(question, options)
    reply = openai_client.chat.completions.create(
        model=..., messages=messages, tools=dispatcher.tools
    )
    messages += dispatcher.execute_all(reply)  # one "tool" message per call
"""

import collections.abc
import enum
import inspect
import json
import re
import threading
import typing
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from ailoop._approval import ApprovalSettings, DeniedHandler, approval_decorator
from ailoop.exceptions import ValidationError
from ailoop.integrations._refusal import tell_the_model

if TYPE_CHECKING:
    from ailoop.client import AiloopClient

__all__ = ["ToolDispatcher", "function_schema", "tell_the_model"]

ERROR_PREFIX = "Error: "
"""Starts the output of a tool call the model got wrong (unknown tool, bad arguments)."""

_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SECTION = re.compile(r"^(Args|Arguments|Parameters|Returns|Raises|Yields|Examples?|Notes?):$")
_ARGUMENT_SECTIONS = ("Args", "Arguments", "Parameters")
_ENTRY = re.compile(r"^\*{0,2}(\w+)(?:\s*\([^)]*\))?:\s*(.*)$")
_ARRAYS = (list, set, frozenset, collections.abc.Sequence, collections.abc.Set)
_OBJECTS = (dict, collections.abc.Mapping)


def function_schema(
    func: Callable[..., Any], *, name: Optional[str] = None, description: Optional[str] = None
) -> Dict[str, Any]:
    """The Chat Completions tool definition of ``func``, from its signature and docstring.

    ``{"type": "function", "function": {"name", "description", "parameters"}}``, where
    ``parameters`` is a JSON schema object: one property per parameter (``str``,
    ``int``, ``float``, ``bool``, lists, dicts, ``Optional``, ``Union``, ``Literal`` and
    enums; unannotated parameters accept anything), those without a default required.
    The description is the docstring's text before its ``Args:`` section; the
    ``Args:`` entries (Google style) describe the parameters. Works on functions
    decorated by :meth:`~ailoop.AiloopClient.require_approval` and on
    :meth:`~ailoop.AiloopClient.human_as_tool`'s. Raises
    :class:`~ailoop.ValidationError` for ``*args``/``**kwargs`` or an annotation JSON
    schema cannot express.
    """
    original = inspect.unwrap(func)
    tool_name = name if name is not None else getattr(func, "__name__", "")
    if not isinstance(tool_name, str) or not _NAME.match(tool_name):
        raise ValidationError(
            f"a tool name is 1-64 letters, digits, '_' or '-', got {tool_name!r}"
        )
    summary, documented = _parse_docstring(inspect.getdoc(func) or "")
    try:
        hints = typing.get_type_hints(original)
    except Exception as exc:
        raise ValidationError(f"the annotations of {tool_name} cannot be resolved: {exc}") from None
    properties: Dict[str, Any] = {}
    required: List[str] = []
    for parameter in inspect.signature(original).parameters.values():
        where = f"{tool_name}({parameter.name})"
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise ValidationError(f"{where}: a tool cannot take *args or **kwargs")
        schema = _json_schema(hints.get(parameter.name, Any), where)
        if parameter.name in documented:
            schema = {**schema, "description": documented[parameter.name]}
        properties[parameter.name] = schema
        if parameter.default is parameter.empty:
            required.append(parameter.name)
    text = description if description is not None else summary
    return {
        "type": "function",
        "function": {
            "name": tool_name,
            "description": text,
            "parameters": {
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


class ToolDispatcher:
    """Executes OpenAI-style tool calls against registered Python functions.

    Functions added with :meth:`add` are gated by
    :meth:`~ailoop.AiloopClient.require_approval` unless ``require_approval=False``: a
    call runs only after a person approves it, and a refusal becomes the tool's output
    (:func:`tell_the_model`), so the model learns it was refused. :meth:`add_human_tool`
    registers :meth:`~ailoop.AiloopClient.human_as_tool` (never gated).

    :attr:`tools` (Chat Completions) and :attr:`response_tools` (Responses API) are the
    definitions to send to the model; :meth:`execute` and :meth:`execute_all` run what
    it asked for and return the messages to send back. Mistakes of the model -- an
    unknown tool, arguments that are not JSON or do not fit the signature -- become an
    output starting ``"Error: "`` and nothing runs. Exceptions of the functions,
    transport errors of the approval (:class:`~ailoop.ConnectionError`,
    :class:`~ailoop.DeliveryError`, :class:`~ailoop.ClientClosedError`) and, with
    ``on_denied="raise"``, :class:`~ailoop.ApprovalDenied` propagate.

    Register the tools first; then any number of threads may execute calls at once.
    Each call runs in the calling thread and blocks it while a person decides.
    """

    def __init__(self, client: "AiloopClient") -> None:
        self._client = client
        self._lock = threading.Lock()
        self._functions: Dict[str, Callable[..., Any]] = {}
        self._schemas: Dict[str, Dict[str, Any]] = {}

    def add(
        self,
        func: Callable[..., Any],
        *,
        name: Optional[str] = None,
        description: Optional[str] = None,
        require_approval: bool = True,
        action: Union[str, Callable[..., Any], None] = None,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        wait_timeout: Optional[float] = None,
        context: Any = None,
        redact: Iterable[str] = (),
        max_argument_chars: int = 200,
        on_denied: Union[str, DeniedHandler] = tell_the_model,
    ) -> None:
        """Register ``func`` as a tool (named ``name``, default its ``__name__``).

        With ``require_approval`` (the default) every call is gated; the other keyword
        arguments are those of :meth:`~ailoop.AiloopClient.require_approval`, except
        that ``on_denied`` defaults to :func:`tell_the_model`. Raises
        :class:`~ailoop.ValidationError` for a duplicate name or a signature JSON
        schema cannot describe.
        """
        schema = function_schema(func, name=name, description=description)
        run = func
        if not isinstance(require_approval, bool):
            raise ValidationError("require_approval must be True or False")
        if require_approval:
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
            run = approval_decorator(self._client, settings)(func)
        self._register(schema, run)

    def add_human_tool(
        self,
        *,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        choices: Optional[Sequence[str]] = None,
        wait_timeout: Optional[float] = None,
        errors_as_text: bool = True,
    ) -> None:
        """Register ``ask_human`` (:meth:`~ailoop.AiloopClient.human_as_tool` with these
        options; failures come back as text by default)."""
        ask_human = self._client.human_as_tool(
            channel=channel,
            timeout=timeout,
            choices=choices,
            wait_timeout=wait_timeout,
            errors_as_text=errors_as_text,
        )
        self._register(function_schema(ask_human), ask_human)

    @property
    def tools(self) -> List[Dict[str, Any]]:
        """The tool definitions for the Chat Completions API's ``tools=``."""
        with self._lock:
            return [json.loads(json.dumps(schema)) for schema in self._schemas.values()]

    @property
    def response_tools(self) -> List[Dict[str, Any]]:
        """The tool definitions for the Responses API's ``tools=`` (flat form)."""
        return [{"type": "function", **tool["function"]} for tool in self.tools]

    def execute(self, tool_call: Any) -> Dict[str, Any]:
        """Run one tool call and return the message that answers it.

        A Chat Completions call gives ``{"role": "tool", "tool_call_id", "content"}``, a
        Responses API ``function_call`` gives ``{"type": "function_call_output",
        "call_id", "output"}``. Raises :class:`~ailoop.ValidationError` for something
        that is not a tool call.
        """
        shape, call_id, name, raw_arguments = _read_call(tool_call)
        return _answer(shape, call_id, self._run(name, raw_arguments))

    def execute_all(self, source: Any) -> List[Dict[str, Any]]:
        """Run every tool call of ``source``, in order, and return their answers.

        ``source`` is a list of tool calls, an assistant message with ``tool_calls``, a
        whole Chat Completions response (its first choice), or a Responses API response
        (the ``function_call`` items of its ``output``); dicts or ``openai`` objects.
        """
        return [self.execute(call) for call in _calls_of(_plain(source))]

    def _register(self, schema: Dict[str, Any], run: Callable[..., Any]) -> None:
        name = schema["function"]["name"]
        with self._lock:
            if name in self._functions:
                raise ValidationError(f"a tool named {name!r} is already registered")
            self._functions[name] = run
            self._schemas[name] = schema

    def _run(self, name: str, raw_arguments: Any) -> str:
        with self._lock:
            func = self._functions.get(name)
            known = sorted(self._functions)
        if func is None:
            return f"{ERROR_PREFIX}there is no tool named {name!r}; the tools are {known}"
        try:
            arguments = _arguments(raw_arguments)
            inspect.signature(func).bind(**arguments)
        except (ValueError, TypeError) as exc:
            return f"{ERROR_PREFIX}bad arguments for {name}: {exc}"
        result = func(**arguments)
        if isinstance(result, str):
            return result
        return json.dumps(result, default=str, ensure_ascii=False)


def _parse_docstring(doc: str) -> Tuple[str, Dict[str, str]]:
    """The text before the first section, and the ``Args:`` entries by name."""
    summary: List[str] = []
    entries: Dict[str, List[str]] = {}
    section: Optional[str] = None
    current: Optional[str] = None
    entry_indent: Optional[int] = None
    for line in doc.splitlines():
        stripped = line.strip()
        header = _SECTION.match(stripped)
        if header and not line[:1].isspace():
            section, current, entry_indent = header.group(1), None, None
            continue
        if section is None:
            summary.append(line)
            continue
        if section not in _ARGUMENT_SECTIONS or not stripped:
            continue
        indent = len(line) - len(line.lstrip())
        entry = _ENTRY.match(stripped)
        if entry and (entry_indent is None or indent <= entry_indent):
            current, entry_indent = entry.group(1), indent
            entries[current] = [entry.group(2)]
        elif current is not None:
            entries[current].append(stripped)
    described = {name: " ".join(part for part in parts if part) for name, parts in entries.items()}
    return "\n".join(summary).strip(), described


def _json_schema(annotation: Any, where: str) -> Dict[str, Any]:
    """The JSON schema of one annotation; ValidationError for what JSON cannot say."""
    if annotation is Any or annotation is inspect.Parameter.empty:
        return {}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if annotation in simple:
        return {"type": simple[annotation]}
    if annotation is type(None):
        return {"type": "null"}
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return {"enum": [member.value for member in annotation]}
    if annotation in (list, tuple, set, frozenset):
        return {"type": "array"}
    if annotation is dict:
        return {"type": "object"}
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is Union:
        if Any in arguments:  # Optional[Any], which Python < 3.11 makes of "x: Any = None"
            return {}
        return {"anyOf": [_json_schema(argument, where) for argument in arguments]}
    if origin is Literal:
        return {"enum": list(arguments)}
    if origin is tuple:
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return {"type": "array", "items": _json_schema(arguments[0], where)}
        return {
            "type": "array",
            "prefixItems": [_json_schema(argument, where) for argument in arguments],
            "minItems": len(arguments),
            "maxItems": len(arguments),
        }
    if origin in _ARRAYS or (isinstance(origin, type) and issubclass(origin, _ARRAYS)):
        items = _json_schema(arguments[0], where) if arguments else {}
        return {"type": "array", "items": items}
    if origin in _OBJECTS or (isinstance(origin, type) and issubclass(origin, _OBJECTS)):
        values = _json_schema(arguments[1], where) if len(arguments) == 2 else {}
        return {"type": "object", "additionalProperties": values}
    raise ValidationError(f"{where}: JSON schema cannot describe the annotation {annotation!r}")


def _plain(value: Any) -> Any:
    """An ``openai`` object as plain JSON (through pydantic's ``model_dump``)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, Mapping):
        return dump()
    return value


def _calls_of(source: Any) -> List[Any]:
    if isinstance(source, Mapping):
        if "choices" in source:
            choices = source["choices"]
            if not isinstance(choices, list) or not choices:
                raise ValidationError("the response has no choices")
            source = _plain(choices[0]).get("message") or {}
        if "tool_calls" in source:
            return list(source["tool_calls"] or [])
        if "output" in source:
            return [
                item
                for item in (_plain(entry) for entry in source["output"])
                if isinstance(item, Mapping) and item.get("type") == "function_call"
            ]
        raise ValidationError(
            "expected tool calls, an assistant message, or a Chat Completions or Responses "
            f"API response; got an object with keys {sorted(source)}"
        )
    if isinstance(source, (list, tuple)):
        return list(source)
    raise ValidationError(f"expected tool calls, got {type(source).__name__}")


def _read_call(tool_call: Any) -> Tuple[str, str, str, Any]:
    """``(shape, call id, tool name, raw arguments)`` of one tool call."""
    call = _plain(tool_call)
    if isinstance(call, Mapping):
        function = call.get("function")
        if isinstance(function, Mapping) and isinstance(call.get("id"), str):
            name = function.get("name")
            if isinstance(name, str):
                return "chat", call["id"], name, function.get("arguments")
        if call.get("type") == "function_call":
            call_id, name = call.get("call_id"), call.get("name")
            if isinstance(call_id, str) and isinstance(name, str):
                return "responses", call_id, name, call.get("arguments")
    raise ValidationError(
        "not an OpenAI tool call: expected {'id', 'function': {'name', 'arguments'}} or "
        f"{{'type': 'function_call', 'call_id', 'name', 'arguments'}}, got {str(call)[:200]}"
    )


def _arguments(raw: Any) -> Dict[str, Any]:
    """The call's arguments: a JSON object (as text, or already decoded)."""
    if raw is None or raw == "":
        return {}
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise ValueError(f"the arguments are not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"the arguments must be a JSON object, got {type(value).__name__}")
    return value


def _answer(shape: str, call_id: str, output: str) -> Dict[str, Any]:
    if shape == "chat":
        return {"role": "tool", "tool_call_id": call_id, "content": output}
    return {"type": "function_call_output", "call_id": call_id, "output": output}

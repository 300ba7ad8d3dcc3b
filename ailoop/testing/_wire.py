"""Strict JSON reading and the message schema of the real server.

The real server deserialises with serde and serde_json; this module reproduces what is
accepted and how it is re-serialised:

* unknown fields are dropped, a duplicated known field is an error;
* ``Option`` fields may be missing or ``null``; everything else is required;
* ``sender_type`` is ``AGENT``/``HUMAN`` only, enums are exact and case-sensitive;
* UUIDs in any form the ``uuid`` crate parses, emitted lower-case hyphenated;
* timestamps need an offset and are emitted in UTC (see :mod:`._clock`);
* output keys follow the Rust struct order, ``correlation_id`` is always present,
  ``metadata`` is omitted when absent, ``priority`` defaults to ``low``.

HTTP bodies are read by :mod:`._serde` the way serde_json streams them (error texts
with the field path and the position); WebSocket frames, whose errors nobody sees, are
decoded first and then checked by the same schema parsers.
"""

import json
import re
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple, TypeVar

from ._clock import parse_timestamp
from ._serde import Failure, Field, Schema, one_of, read_struct

T = TypeVar("T")
JsonObject = Dict[str, Any]
Parser = Callable[[Any, str], T]

_JSON_WHITESPACE = " \t\n\r"
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_UUID_HYPHENATED = re.compile(
    r"([0-9a-fA-F]{8})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{4})-([0-9a-fA-F]{12})\Z"
)
_UUID_SIMPLE = re.compile(r"[0-9a-fA-F]{32}\Z")
_U32_MAX = 2**32 - 1

SENDER_TYPES = ("AGENT", "HUMAN")
RESPONSE_TYPES = ("text", "authorization_approved", "authorization_denied", "timeout", "cancelled")
PRIORITIES = ("low", "normal", "high", "urgent")
TASK_STATES = ("pending", "done", "abandoned")
DEPENDENCY_TYPES = ("blocks", "related", "parent")


class JsonSyntaxError(ValueError):
    """The text is not one valid JSON document (the real server answers 400)."""


class SchemaError(ValueError):
    """Valid JSON of the wrong shape (the real server answers 422 or drops the frame)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.detail = message


class _JsonObject(Dict[str, Any]):
    """A decoded JSON object that remembers which keys appeared more than once."""

    __slots__ = ("duplicates",)

    duplicates: FrozenSet[str]


def _object_from_pairs(pairs: List[Tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    repeated = set()
    for key, value in pairs:
        if key in obj:
            repeated.add(key)
        obj[key] = value
    obj.duplicates = frozenset(repeated)
    return obj


def _reject_constant(name: str) -> Any:
    raise JsonSyntaxError(f"expected value, found {name}")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonSyntaxError("number out of range")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_from_pairs,
    parse_constant=_reject_constant,
    parse_float=_finite_float,
)


def _decode_prefix(text: str) -> Tuple[Any, int]:
    start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
    try:
        value, end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise JsonSyntaxError(str(exc)) from None
    if _SURROGATE_ESCAPE.search(text):
        _reject_lone_surrogates(value)
    return value, end


def _reject_lone_surrogates(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise JsonSyntaxError("lone surrogate in hex escape") from None


def loads(text: str) -> Any:
    """Decode exactly one JSON document as serde_json would (raises :class:`JsonSyntaxError`)."""
    value, end = _decode_prefix(text)
    if text[end:].strip(_JSON_WHITESPACE):
        raise JsonSyntaxError("trailing characters")
    return value


def with_duplicates(value: Dict[str, Any], duplicates: Sequence[str]) -> Dict[str, Any]:
    """``value`` as a decoded object that remembers its repeated keys."""
    obj = _JsonObject(value)
    obj.duplicates = frozenset(duplicates)
    return obj


def decode_body(raw: bytes, parse: Parser[T]) -> T:
    """Decode and validate an HTTP body in serde_json's error order.

    Bodies of the server's request structs are read as serde_json streams them (see
    :mod:`._serde`); a shape error in the first document wins over trailing garbage
    after it, as in serde_json, which validates while it parses.
    """
    schema = _BODY_SCHEMAS.get(parse)
    if schema is not None:
        try:
            fields = read_struct(raw, schema)
        except Failure as failure:
            if failure.syntax:
                raise JsonSyntaxError(str(failure)) from None
            raise SchemaError("", str(failure)) from None
        return parse(fields, "")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise JsonSyntaxError("invalid unicode code point") from None
    value, end = _decode_prefix(text)
    parsed = parse(value, "")
    if text[end:].strip(_JSON_WHITESPACE):
        raise JsonSyntaxError("trailing characters")
    return parsed


def dumps(value: Any) -> str:
    """Compact JSON as ``serde_json::to_string`` writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def describe(value: Any) -> str:
    """Name a JSON value the way serde's error messages do."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    if isinstance(value, list):
        return "sequence"
    return "map"


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Struct:
    """Reads the known fields of one serde struct from a decoded JSON object."""

    def __init__(self, value: Any, path: str, expected: str, fields: Sequence[str]) -> None:
        if not isinstance(value, dict):
            raise SchemaError(path, f"invalid type: {describe(value)}, expected {expected}")
        duplicates: FrozenSet[str] = getattr(value, "duplicates", frozenset())
        for name in fields:
            if name in duplicates:
                raise SchemaError(path, f"duplicate field `{name}`")
        self._value: JsonObject = value
        self._path = path

    def required(self, name: str, parse: Parser[T]) -> T:
        if name not in self._value:
            raise SchemaError(self._path, f"missing field `{name}`")
        return parse(self._value[name], _join(self._path, name))

    def optional(self, name: str, parse: Parser[T]) -> Optional[T]:
        value = self._value.get(name)
        if value is None:
            return None
        return parse(value, _join(self._path, name))


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise SchemaError(path, f"invalid type: {describe(value)}, expected a string")
    return value


def _u32(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SchemaError(path, f"invalid type: {describe(value)}, expected u32")
    if not 0 <= value <= _U32_MAX:
        raise SchemaError(path, f"invalid value: {describe(value)}, expected u32")
    return value


def _bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise SchemaError(path, f"invalid type: {describe(value)}, expected a boolean")
    return value


def _any(value: Any, path: str) -> Any:
    return value


def parse_uuid(text: str) -> Optional[str]:
    """Parse a UUID in any ``uuid``-crate form; return it lower-case hyphenated, else None."""
    if len(text) == 45 and text.startswith("urn:uuid:"):
        text = text[9:]
    elif len(text) == 38 and text[0] == "{" and text[-1] == "}":
        text = text[1:-1]
    if _UUID_SIMPLE.match(text):
        simple = text.lower()
    else:
        match = _UUID_HYPHENATED.match(text)
        if match is None:
            return None
        simple = "".join(match.groups()).lower()
    return f"{simple[:8]}-{simple[8:12]}-{simple[12:16]}-{simple[16:20]}-{simple[20:]}"


_UUID_GROUP_STARTS = (0, 9, 14, 19, 24)
_UUID_GROUP_LENGTHS = (8, 4, 4, 4, 12)
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def uuid_error(text: str) -> str:
    """Why the ``uuid`` crate rejects ``text`` (its error text; indices count bytes)."""
    raw = text.encode("utf-8")
    if len(raw) in (36, 38, 45):
        inner = {36: text, 38: text[1:-1], 45: text[9:]}[len(raw)]
        braced = len(raw) == 38 and text[:1] == "{" and text[-1:] == "}"
        urn = len(raw) == 45 and text[:9].lower() == "urn:uuid:"
        if len(raw) == 36 or braced or urn:
            return _uuid_failure(inner, hyphenated=True)
    return _uuid_failure(text, hyphenated=False)


def _uuid_failure(text: str, hyphenated: bool) -> str:
    raw = text.encode("utf-8")
    if not raw or len(raw) > 45:
        return f"invalid length: found {len(raw)}"
    start, end = 0, len(raw)
    if not hyphenated and len(raw) >= 2 and text[0] == "{" and text[-1] == "}":
        start, end, shape = 1, len(raw) - 1, "braced"
    elif not hyphenated and len(raw) >= 9 and raw[:9].lower() == b"urn:uuid:":
        start, shape = 9, "urn"
    else:
        shape = "hyphenated" if hyphenated else "any"
    hyphens: List[int] = []
    body = raw[start:end].decode("utf-8")
    index = 0
    for char in body:
        if char == "-":
            if shape == "any":
                shape = "hyphenated"
            hyphens.append(index)
        elif char not in _HEX_DIGITS:
            return f"invalid character: found `{char}` at {index + start}"
        index += len(char.encode("utf-8"))
    if shape == "any":
        return f"invalid length: found {len(raw)}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    for group in range(4):
        if hyphens[group] != _UUID_GROUP_STARTS[group + 1] - 1:
            found = hyphens[group] - _UUID_GROUP_STARTS[group]
            return (
                f"invalid group length in group {group}: "
                f"expected {_UUID_GROUP_LENGTHS[group]}, found {found}"
            )
    return f"invalid group length in group 4: expected 12, found {end - start - 24}"


def _uuid(value: Any, path: str) -> str:
    text = _string(value, path)
    parsed = parse_uuid(text)
    if parsed is None:
        raise SchemaError(path, f"UUID parsing failed: {uuid_error(text)}")
    return parsed


def check_scalar(kind: str, text: str) -> Optional[str]:
    """Why a ``uuid`` or ``timestamp`` string is rejected (serde's text), or None."""
    if kind == "uuid":
        return None if parse_uuid(text) is not None else f"UUID parsing failed: {uuid_error(text)}"
    try:
        parse_timestamp(text)
    except ValueError as exc:
        return str(exc)
    return None


def _timestamp(value: Any, path: str) -> str:
    text = _string(value, path)
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise SchemaError(path, str(exc)) from None


def _enum(variants: Sequence[str]) -> Parser[str]:
    expected = one_of(variants)

    def parse(value: Any, path: str) -> str:
        if not isinstance(value, (str, dict)):
            # serde's buffered content reads an enum from a string or a one-entry map
            raise SchemaError(path, f"invalid type: {describe(value)}, expected string or map")
        text = _string(value, path)
        if text not in variants:
            raise SchemaError(path, f"unknown variant `{text}`, {expected}")
        return text

    return parse


def _list_of(item: Parser[T]) -> Parser[List[T]]:
    def parse(value: Any, path: str) -> List[T]:
        if not isinstance(value, list):
            raise SchemaError(path, f"invalid type: {describe(value)}, expected a sequence")
        return [item(element, f"{path}[{index}]") for index, element in enumerate(value)]

    return parse


def _option(value: Any, path: str) -> JsonObject:
    fields = _Struct(value, path, "struct DecisionOption", ("id", "label", "detail_markdown"))
    out: JsonObject = {
        "id": fields.required("id", _string),
        "label": fields.required("label", _string),
    }
    detail = fields.optional("detail_markdown", _string)
    if detail is not None:
        out["detail_markdown"] = detail
    return out


def _recommendation(value: Any, path: str) -> JsonObject:
    fields = _Struct(
        value, path, "struct DecisionRecommendation", ("option_id", "rationale_markdown")
    )
    out: JsonObject = {"option_id": fields.required("option_id", _string)}
    rationale = fields.optional("rationale_markdown", _string)
    if rationale is not None:
        out["rationale_markdown"] = rationale
    return out


def parse_task(value: Any, path: str) -> JsonObject:
    """A full Task object (inside ``task_create`` content)."""
    fields = _Struct(value, path, "struct Task", TASK_FIELDS)
    return {
        "id": fields.required("id", _uuid),
        "title": fields.required("title", _string),
        "description": fields.required("description", _string),
        "state": fields.required("state", _enum(TASK_STATES)),
        "created_at": fields.required("created_at", _timestamp),
        "updated_at": fields.required("updated_at", _timestamp),
        "assignee": fields.optional("assignee", _string),
        "metadata": fields.optional("metadata", _any),
        "depends_on": fields.required("depends_on", _list_of(_uuid)),
        "blocking_for": fields.required("blocking_for", _list_of(_uuid)),
        "blocked": fields.required("blocked", _bool),
        "dependency_type": fields.optional("dependency_type", _enum(DEPENDENCY_TYPES)),
    }


TASK_FIELDS = (
    "id",
    "title",
    "description",
    "state",
    "created_at",
    "updated_at",
    "assignee",
    "metadata",
    "depends_on",
    "blocking_for",
    "blocked",
    "dependency_type",
)


def _variant(path: str, value: Any, name: str, fields: Sequence[str]) -> _Struct:
    return _Struct(value, path, f"struct variant MessageContent::{name}", ("type", *fields))


def _decision(value: Any, path: str) -> JsonObject:
    fields = _variant(
        path,
        value,
        "Decision",
        (
            "decision_id",
            "summary",
            "context_markdown",
            "options",
            "recommendation",
            "timeout_seconds",
        ),
    )
    out: JsonObject = {
        "type": "decision",
        "decision_id": fields.required("decision_id", _string),
        "summary": fields.required("summary", _string),
    }
    context = fields.optional("context_markdown", _string)
    if context is not None:
        out["context_markdown"] = context
    out["options"] = fields.required("options", _list_of(_option))
    recommendation = fields.optional("recommendation", _recommendation)
    if recommendation is not None:
        out["recommendation"] = recommendation
    out["timeout_seconds"] = fields.required("timeout_seconds", _u32)
    return out


def _question(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "Question", ("text", "timeout_seconds", "choices"))
    out: JsonObject = {
        "type": "question",
        "text": fields.required("text", _string),
        "timeout_seconds": fields.required("timeout_seconds", _u32),
    }
    choices = fields.optional("choices", _list_of(_string))
    if choices is not None:
        out["choices"] = choices
    return out


def _authorization(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "Authorization", ("action", "context", "timeout_seconds"))
    return {
        "type": "authorization",
        "action": fields.required("action", _string),
        "context": fields.optional("context", _any),
        "timeout_seconds": fields.required("timeout_seconds", _u32),
    }


def _notification(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "Notification", ("text", "priority"))
    text = fields.required("text", _string)
    priority = "low"
    if "priority" in value:
        priority = _enum(PRIORITIES)(value["priority"], _join(path, "priority"))
    return {"type": "notification", "text": text, "priority": priority}


def _response(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "Response", ("answer", "response_type"))
    return {
        "type": "response",
        "answer": fields.optional("answer", _string),
        "response_type": fields.required("response_type", _enum(RESPONSE_TYPES)),
    }


def _navigate(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "Navigate", ("url",))
    return {"type": "navigate", "url": fields.required("url", _string)}


def _task_create(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "TaskCreate", ("task",))
    return {"type": "task_create", "task": fields.required("task", parse_task)}


def _task_update(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "TaskUpdate", ("task_id", "state", "updated_at"))
    return {
        "type": "task_update",
        "task_id": fields.required("task_id", _uuid),
        "state": fields.required("state", _enum(TASK_STATES)),
        "updated_at": fields.required("updated_at", _timestamp),
    }


def _task_dependency_add(value: Any, path: str) -> JsonObject:
    fields = _variant(
        path, value, "TaskDependencyAdd", ("task_id", "depends_on", "dependency_type", "timestamp")
    )
    return {
        "type": "task_dependency_add",
        "task_id": fields.required("task_id", _uuid),
        "depends_on": fields.required("depends_on", _uuid),
        "dependency_type": fields.required("dependency_type", _enum(DEPENDENCY_TYPES)),
        "timestamp": fields.required("timestamp", _timestamp),
    }


def _task_dependency_remove(value: Any, path: str) -> JsonObject:
    fields = _variant(path, value, "TaskDependencyRemove", ("task_id", "depends_on", "timestamp"))
    return {
        "type": "task_dependency_remove",
        "task_id": fields.required("task_id", _uuid),
        "depends_on": fields.required("depends_on", _uuid),
        "timestamp": fields.required("timestamp", _timestamp),
    }


_SHARED_CONTENT: Dict[str, Parser[JsonObject]] = {
    "authorization": _authorization,
    "notification": _notification,
    "response": _response,
    "navigate": _navigate,
    "task_create": _task_create,
    "task_update": _task_update,
    "task_dependency_add": _task_dependency_add,
    "task_dependency_remove": _task_dependency_remove,
}
_CURRENT_CONTENT = {"decision": _decision, **_SHARED_CONTENT}
_LEGACY_CONTENT = {"question": _question, **_SHARED_CONTENT}


def _content(legacy: bool) -> Parser[JsonObject]:
    variants = _LEGACY_CONTENT if legacy else _CURRENT_CONTENT
    expected = one_of(list(variants))

    def parse(value: Any, path: str) -> JsonObject:
        if not isinstance(value, dict):
            raise SchemaError(
                path,
                f"invalid type: {describe(value)}, expected internally tagged enum MessageContent",
            )
        if "type" in getattr(value, "duplicates", frozenset()):
            raise SchemaError(path, "duplicate field `type`")
        if "type" not in value:
            raise SchemaError(path, "missing field `type`")
        tag = value["type"]
        if not isinstance(tag, str):
            raise SchemaError(
                _join(path, "type"), f"invalid type: {describe(tag)}, expected variant identifier"
            )
        variant = variants.get(tag)
        if variant is None:
            raise SchemaError(path, f"unknown variant `{tag}`, {expected}")
        return variant(value, path)

    return parse


_CURRENT_CONTENT_PARSER = _content(legacy=False)
_LEGACY_CONTENT_PARSER = _content(legacy=True)
_MESSAGE_FIELDS = (
    "id",
    "channel",
    "sender_type",
    "content",
    "timestamp",
    "correlation_id",
    "metadata",
)


def message_parser(legacy: bool) -> Parser[JsonObject]:
    """The Message parser of one era: ``legacy`` selects v1.0.0 (``question``, no ``decision``)."""
    return _MESSAGE_PARSERS[legacy]


def _message_parser(legacy: bool) -> Parser[JsonObject]:
    content = _LEGACY_CONTENT_PARSER if legacy else _CURRENT_CONTENT_PARSER

    def parse(value: Any, path: str) -> JsonObject:
        fields = _Struct(value, path, "struct Message", _MESSAGE_FIELDS)
        out: JsonObject = {
            "id": fields.required("id", _uuid),
            "channel": fields.required("channel", _string),
            "sender_type": fields.required("sender_type", _enum(SENDER_TYPES)),
            "content": fields.required("content", content),
            "timestamp": fields.required("timestamp", _timestamp),
            "correlation_id": fields.optional("correlation_id", _uuid),
        }
        metadata = fields.optional("metadata", _any)
        if metadata is not None:
            out["metadata"] = metadata
        return out

    return parse


def parse_response_request(value: Any, path: str) -> Tuple[Optional[str], str]:
    """Body of ``POST /api/v1/messages/{id}/response``: ``(answer, response_type)``."""
    fields = _Struct(value, path, "struct ResponseRequest", ("answer", "response_type"))
    return fields.optional("answer", _string), fields.required(
        "response_type", _enum(RESPONSE_TYPES)
    )


def parse_create_task(value: Any, path: str) -> JsonObject:
    """Body of ``POST /api/v1/tasks``."""
    fields = _Struct(
        value,
        path,
        "struct CreateTaskRequest",
        ("title", "description", "channel", "assignee", "metadata"),
    )
    return {
        "title": fields.required("title", _string),
        "description": fields.required("description", _string),
        "channel": fields.required("channel", _string),
        "assignee": fields.optional("assignee", _string),
        "metadata": fields.optional("metadata", _any),
    }


def parse_update_task(value: Any, path: str) -> str:
    """Body of ``PUT /api/v1/tasks/{id}``: the new state."""
    fields = _Struct(value, path, "struct UpdateTaskRequest", ("state",))
    return fields.required("state", _enum(TASK_STATES))


def parse_add_dependency(value: Any, path: str) -> Tuple[str, str]:
    """Body of ``POST /api/v1/tasks/{id}/dependencies``: ``(parent_id, dependency_type)``.

    ``child_id`` is required and validated but otherwise ignored, as on the real server.
    """
    fields = _Struct(
        value, path, "struct AddDependencyRequest", ("child_id", "parent_id", "dependency_type")
    )
    fields.required("child_id", _uuid)
    parent_id = fields.required("parent_id", _uuid)
    return parent_id, fields.required("dependency_type", _enum(DEPENDENCY_TYPES))


_RESERVED_CHANNELS = ("system", "admin", "internal", "reserved", "ailoop")
_CHANNEL_TAIL = re.compile(r"[A-Za-z0-9_-]*\Z")
MAX_CHANNEL_BYTES = 64


def channel_error(name: str) -> Optional[str]:
    """The real server's channel-name check: the error text, or None when valid."""
    if not name:
        return "Channel name is empty"
    if len(name.encode("utf-8")) > MAX_CHANNEL_BYTES:
        return "Channel name is too long (max 64 characters)"
    first = name[0]
    if not (first.isascii() and first.isalnum()):
        return "Channel name must start with a letter or number"
    if name.lower() in _RESERVED_CHANNELS:
        return f"Channel name is reserved: {name}"
    if not _CHANNEL_TAIL.match(name):
        return (
            "Channel name contains invalid characters "
            "(only letters, numbers, hyphens, and underscores allowed)"
        )
    return None


_MESSAGE_PARSERS = {legacy: _message_parser(legacy) for legacy in (False, True)}
_UUID_TEXT = "a formatted UUID string"
_TIMESTAMP_TEXT = "an RFC 3339 formatted date and time string"


def _message_schema(legacy: bool) -> Schema:
    variants = _LEGACY_CONTENT if legacy else _CURRENT_CONTENT
    return Schema(
        "Message",
        (
            Field("id", "uuid", expecting=_UUID_TEXT),
            Field("channel", "string"),
            Field("sender_type", "enum", variants=SENDER_TYPES),
            Field("content", "content"),
            Field("timestamp", "timestamp", expecting=_TIMESTAMP_TEXT),
            Field("correlation_id", "uuid", optional=True, expecting=_UUID_TEXT),
            Field("metadata", "value", optional=True),
        ),
        content=_LEGACY_CONTENT_PARSER if legacy else _CURRENT_CONTENT_PARSER,
        tag_variants=tuple(variants),
    )


_BODY_SCHEMAS: Dict[Any, Schema] = {
    _MESSAGE_PARSERS[False]: _message_schema(False),
    _MESSAGE_PARSERS[True]: _message_schema(True),
    parse_response_request: Schema(
        "ResponseRequest",
        (
            Field("answer", "string", optional=True),
            Field("response_type", "enum", variants=RESPONSE_TYPES),
        ),
    ),
    parse_create_task: Schema(
        "CreateTaskRequest",
        (
            Field("title", "string"),
            Field("description", "string"),
            Field("channel", "string"),
            Field("assignee", "string", optional=True),
            Field("metadata", "value", optional=True),
        ),
    ),
    parse_update_task: Schema("UpdateTaskRequest", (Field("state", "enum", variants=TASK_STATES),)),
    parse_add_dependency: Schema(
        "AddDependencyRequest",
        (
            Field("child_id", "uuid", expecting=_UUID_TEXT),
            Field("parent_id", "uuid", expecting=_UUID_TEXT),
            Field("dependency_type", "enum", variants=DEPENDENCY_TYPES),
        ),
    ),
}

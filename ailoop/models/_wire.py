"""Shared machinery of the models: the ``WireModel`` base and the field readers/writers.

Readers take a decoded JSON object and a ``where`` prefix (``"message.content"``) so
every :class:`ailoop.ValidationError` names the offending field. Writers turn model
attributes into their exact wire form and reject values of the wrong type, so a
loosely built model fails with ``ValidationError`` rather than ``AttributeError``.
The ``*_config`` helpers give dataclasses-json the same mapping for ``to_dict`` /
``from_dict``.
"""

import json
from abc import abstractmethod
from datetime import datetime
from typing import Any, Callable, ClassVar, Dict, List, Optional, Type, TypeVar
from uuid import UUID

from dataclasses_json import DataClassJsonMixin, config

from ailoop._timestamps import format_timestamp, parse_timestamp
from ailoop.exceptions import ValidationError
from ailoop.models._enums import WireEnum

JsonObject = Dict[str, Any]
M = TypeVar("M", bound="WireModel")
E = TypeVar("E", bound=WireEnum)

U32_MAX = 4_294_967_295
_MISSING = object()


class WireModel(DataClassJsonMixin):
    """Base of every model: liberal ``from_wire`` decoding and exact ``to_wire`` encoding.

    ``to_dict``/``from_dict``/``to_json``/``from_json`` come from dataclasses-json,
    configured so ``to_dict()`` holds the same JSON values as ``to_wire()`` (content
    classes leave out ``type``, which ``Message`` adds). ``to_json()`` is the compact
    wire JSON text.
    """

    wire_name: ClassVar[str] = "model"

    @classmethod
    def from_wire(cls: Type[M], data: Any) -> M:
        """Decode a JSON object received from the server.

        Unknown fields are ignored. Raises :class:`ailoop.ValidationError` naming the
        field when ``data`` cannot be this model.
        """
        return cls._decode(expect_object(data, cls.wire_name), cls.wire_name)

    @classmethod
    def from_wire_list(cls: Type[M], data: Any, key: str) -> List[M]:
        """Decode the list found under ``key`` of a wrapper object, e.g.
        ``ChannelInfo.from_wire_list(body, "channels")``.
        """
        obj = expect_object(data, "response body")
        items = obj.get(key, _MISSING)
        if not isinstance(items, list):
            problem = "missing" if items is _MISSING else f"not a list ({type(items).__name__})"
            raise ValidationError(f"response body.{key}: {problem}")
        return [
            cls._decode(expect_object(item, f"{key}[{index}]"), f"{key}[{index}]")
            for index, item in enumerate(items)
        ]

    @classmethod
    @abstractmethod
    def _decode(cls: Type[M], obj: JsonObject, where: str) -> M:
        """Build the model from a JSON object; ``where`` prefixes error messages."""

    @abstractmethod
    def to_wire(self) -> JsonObject:
        """The exact JSON object the real server emits and accepts for this model."""

    def to_json(self, **dumps_options: Any) -> str:
        """``to_wire()`` as compact JSON text (UTF-8 characters kept as they are).

        ``dumps_options`` are passed to :func:`json.dumps` and override the defaults.
        """
        options: Dict[str, Any] = {"separators": (",", ":"), "ensure_ascii": False}
        options.update(dumps_options)
        return json.dumps(self.to_wire(), **options)


def expect_object(data: Any, where: str) -> JsonObject:
    """``data`` if it is a JSON object, else a ValidationError."""
    if isinstance(data, dict):
        return data
    raise ValidationError(f"{where}: expected a JSON object, got {_kind(data)}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return type(value).__name__


def _missing(where: str, key: str) -> ValidationError:
    return ValidationError(f"{where}.{key}: missing")


def _wrong(where: str, key: str, expected: str, value: Any) -> ValidationError:
    return ValidationError(f"{where}.{key}: expected {expected}, got {_kind(value)}")


# --- readers -------------------------------------------------------------------------


def read_str(obj: JsonObject, key: str, where: str) -> str:
    """A required string field."""
    value = obj.get(key, _MISSING)
    if isinstance(value, str):
        return value
    if value is _MISSING:
        raise _missing(where, key)
    raise _wrong(where, key, "a string", value)


def read_optional_str(obj: JsonObject, key: str, where: str) -> Optional[str]:
    """A string field that may be absent or null."""
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise _wrong(where, key, "a string or null", value)


def read_int(
    obj: JsonObject,
    key: str,
    where: str,
    default: Optional[int] = None,
    maximum: Optional[int] = None,
) -> int:
    """A non-negative integer field (``default`` when absent, else required)."""
    value = obj.get(key, _MISSING)
    if value is _MISSING and default is not None:
        return default
    if type(value) is int and value >= 0 and (maximum is None or value <= maximum):
        return value
    if value is _MISSING:
        raise _missing(where, key)
    expected = "a non-negative integer" if maximum is None else f"an integer in 0..{maximum}"
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValidationError(f"{where}.{key}: expected {expected}, got {value}")
    raise _wrong(where, key, expected, value)


def read_bool(obj: JsonObject, key: str, where: str, default: bool) -> bool:
    """A boolean field (``default`` when absent)."""
    value = obj.get(key, default)
    if isinstance(value, bool):
        return value
    raise _wrong(where, key, "true or false", value)


def parse_uuid(value: Any, name: str) -> UUID:
    """A UUID from a UUID or any string form ``uuid.UUID`` parses."""
    if isinstance(value, UUID):
        return value
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            raise ValidationError(f"{name}: not a valid UUID: {value[:64]!r}") from None
    raise ValidationError(f"{name}: expected a UUID string, got {_kind(value)}")


def read_uuid(obj: JsonObject, key: str, where: str) -> UUID:
    """A required UUID field."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        raise _missing(where, key)
    return parse_uuid(value, f"{where}.{key}")


def read_optional_uuid(obj: JsonObject, key: str, where: str) -> Optional[UUID]:
    """A UUID field that may be absent or null."""
    value = obj.get(key)
    return None if value is None else parse_uuid(value, f"{where}.{key}")


def read_uuid_list(obj: JsonObject, key: str, where: str) -> List[UUID]:
    """A list of UUIDs (absent or null: empty)."""
    values = obj.get(key)
    if values is None:
        return []
    if not isinstance(values, list):
        raise _wrong(where, key, "a list of UUIDs", values)
    return [parse_uuid(value, f"{where}.{key}[{index}]") for index, value in enumerate(values)]


def read_timestamp(obj: JsonObject, key: str, where: str) -> datetime:
    """A required timestamp field, as aware UTC."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        raise _missing(where, key)
    return parse_timestamp(value, f"{where}.{key}")


def read_optional_timestamp(obj: JsonObject, key: str, where: str) -> Optional[datetime]:
    """A timestamp field that may be absent or null."""
    value = obj.get(key)
    return None if value is None else parse_timestamp(value, f"{where}.{key}")


def read_enum(
    enum: Type[E], obj: JsonObject, key: str, where: str, default: Optional[E] = None
) -> E:
    """An enum field in any letter case (``default`` when absent, else required)."""
    value = obj.get(key, _MISSING)
    if value is _MISSING:
        if default is not None:
            return default
        raise _missing(where, key)
    return enum.parse(value, f"{where}.{key}")


def read_optional_enum(enum: Type[E], obj: JsonObject, key: str, where: str) -> Optional[E]:
    """An enum field that may be absent or null."""
    value = obj.get(key)
    return None if value is None else enum.parse(value, f"{where}.{key}")


# --- writers -------------------------------------------------------------------------


def write_uuid(value: Any, name: str) -> str:
    """Lower-case hyphenated UUID text."""
    if isinstance(value, UUID):
        return str(value)
    return str(parse_uuid(value, name))


def write_optional_uuid(value: Any, name: str) -> Optional[str]:
    """Lower-case hyphenated UUID text, or None."""
    return None if value is None else write_uuid(value, name)


def write_timestamp(value: Any, name: str) -> str:
    """UTC timestamp text with ``Z``."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    return format_timestamp(parse_timestamp(value, name))


def write_enum(enum: Type[E], value: Any, name: str) -> str:
    """The wire spelling of an enum member (or of a string naming one)."""
    if isinstance(value, enum):
        return str(value.value)
    return str(enum.parse(value, name).value)


def write_u32(value: Any, name: str) -> int:
    """An integer in the server's unsigned 32-bit range."""
    if type(value) is int and 0 <= value <= U32_MAX:
        return value
    raise ValidationError(f"{name}: expected an integer in 0..{U32_MAX}, got {value!r}")


# --- dataclasses-json field mappings -------------------------------------------------


def _is_none(value: Any) -> bool:
    return value is None


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` that passes None through (dataclasses-json < 0.5.9 decodes None too)."""
    return lambda value: None if value is None else convert(value)


def uuid_config(name: str, *, omit_none: bool = False) -> Dict[str, Any]:
    """dataclasses-json mapping of a UUID field (lower-case hyphenated text)."""
    return config(
        encoder=_optional(str),
        decoder=_optional(lambda value: parse_uuid(value, name)),
        exclude=_is_none if omit_none else None,
    )


def uuid_list_config(name: str) -> Dict[str, Any]:
    """dataclasses-json mapping of a list-of-UUIDs field."""
    return config(
        encoder=lambda values: [str(value) for value in values],
        decoder=lambda values: [parse_uuid(value, name) for value in values],
    )


def timestamp_config(
    name: str, *, formatter: Callable[[datetime], str] = format_timestamp
) -> Dict[str, Any]:
    """dataclasses-json mapping of a timestamp field (RFC 3339 text, not epoch floats)."""
    return config(
        encoder=_optional(formatter),
        decoder=_optional(lambda value: parse_timestamp(value, name)),
    )


def enum_config(enum: Type[WireEnum], name: str) -> Dict[str, Any]:
    """dataclasses-json mapping of an enum field (its wire value, any case on input)."""
    return config(
        encoder=_optional(lambda member: str(member.value)),
        decoder=_optional(lambda value: enum.parse(value, name)),
    )


def omit_none_config() -> Dict[str, Any]:
    """dataclasses-json mapping of an optional field the server omits when absent."""
    return config(exclude=_is_none)

"""Shared machinery of the models: the ``WireModel`` base and the field readers/writers.

Readers take a decoded JSON object and a ``where`` prefix (``"message.content"``) so
every :class:`ailoop.ValidationError` names the offending field; they accept every form
a valid value may take. Writers turn model attributes into their exact wire form and
reject values of the wrong type, so a loosely built model fails with ``ValidationError``
rather than ``AttributeError``. :mod:`ailoop.models._codec` builds each model's codec
from them.
"""

import json
from datetime import datetime
from typing import Any, ClassVar, Dict, List, Optional, Protocol, Type, TypeVar
from uuid import UUID

from ailoop._timestamps import format_timestamp, parse_timestamp
from ailoop.exceptions import ValidationError
from ailoop.models._enums import WireEnum
from ailoop.models._json import JsonMixin

JsonObject = Dict[str, Any]
M = TypeVar("M", bound="WireModel")
E = TypeVar("E", bound=WireEnum)

U32_MAX = 4_294_967_295
_MISSING = object()


class Decoder(Protocol):
    """A model's decoder: a JSON object and the ``where`` that error messages name."""

    def __call__(self, obj: JsonObject, where: str) -> Any: ...


class Encoder(Protocol):
    """A model's encoder: the model's exact wire object."""

    def __call__(self, model: Any) -> JsonObject: ...


class WireModel(JsonMixin):
    """Base of every model: liberal ``from_wire`` decoding and exact ``to_wire`` encoding.

    ``to_dict``/``from_dict``/``from_json``/``schema`` are dataclasses-json's (loaded at
    their first call, see :mod:`ailoop.models._json`), configured so ``to_dict()``
    holds the same JSON values as ``to_wire()`` (content classes leave out ``type``,
    which ``Message`` adds). ``to_json()`` is the compact wire JSON text. ``_decode``
    and ``_encode`` are derived from the dataclass fields by
    :func:`ailoop.models._codec.wire_model`.
    """

    wire_name: ClassVar[str] = "model"
    _decode: ClassVar[Decoder]
    _encode: ClassVar[Encoder]

    @classmethod
    def from_wire(cls: Type[M], data: Any) -> M:
        """Decode a JSON object received from the server.

        Unknown fields are ignored. Raises :class:`ailoop.ValidationError` naming the
        field when ``data`` cannot be this model.
        """
        where = cls.wire_name
        decoded: M = cls._decode(data if type(data) is dict else expect_object(data, where), where)
        return decoded

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
        decoded: List[M] = [
            cls._decode(expect_object(item, f"{key}[{index}]"), f"{key}[{index}]")
            for index, item in enumerate(items)
        ]
        return decoded

    def to_wire(self) -> JsonObject:
        """The exact JSON object the real server emits and accepts for this model.

        Raises :class:`ailoop.ValidationError` naming the field when one holds a value
        of the wrong type.
        """
        return self._encode(self)

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


def read_optional_str_list(obj: JsonObject, key: str, where: str) -> Optional[List[str]]:
    """A list of strings that may be absent or null."""
    values = obj.get(key)
    if values is None or (
        isinstance(values, list) and all(isinstance(value, str) for value in values)
    ):
        return values
    raise ValidationError(f"{where}.{key}: expected a list of strings or null")


def read_model(model: Type[M], obj: JsonObject, key: str, where: str) -> M:
    """A required nested model."""
    inner = f"{where}.{key}"
    decoded: M = model._decode(expect_object(obj.get(key), inner), inner)
    return decoded


def read_optional_model(model: Type[M], obj: JsonObject, key: str, where: str) -> Optional[M]:
    """A nested model that may be absent or null."""
    return None if obj.get(key) is None else read_model(model, obj, key, where)


def read_model_list(
    model: Type[M], obj: JsonObject, key: str, where: str, required: bool = False
) -> List[M]:
    """A list of nested models (absent or null: empty, unless ``required``)."""
    values = obj.get(key)
    if values is None and not required:
        return []
    if not isinstance(values, list):
        if key not in obj:
            raise _missing(where, key)
        raise _wrong(where, key, "a list of JSON objects", values)
    decoded: List[M] = []
    for index, value in enumerate(values):
        inner = f"{where}.{key}[{index}]"
        decoded.append(model._decode(expect_object(value, inner), inner))
    return decoded


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

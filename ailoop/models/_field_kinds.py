"""What each kind of model field becomes in the generated wire codec.

:func:`field_code` reads one dataclass field (its annotation, default and declared
:class:`~ailoop.models._codec.Policy`) and returns a :class:`FieldCode`: the Python
snippets the decoder and encoder of :mod:`ailoop.models._codec` are generated from, the
objects those snippets name, and the field's dataclasses-json mapping. Each decode
snippet checks the form servers send inline and otherwise calls ``$R``, the field's
liberal reader from :mod:`ailoop.models._wire`, which accepts every other valid form and
raises the ValidationError naming the field; each encode snippet writes a value of the
declared type inline and otherwise calls ``$X``, the exact writer. ``$`` names are
numbered per field when the code is generated.
"""

import dataclasses
import re
import sys
from datetime import datetime
from typing import Any, Callable, Dict, FrozenSet, Optional, Tuple, Type, Union
from uuid import UUID

from ailoop._timestamps import parse_timestamp
from ailoop.models._codec import Policy
from ailoop.models._enums import WireEnum
from ailoop.models._uuids import uuid_from_text
from ailoop.models._wire import (
    JsonObject,
    WireModel,
    parse_uuid,
    read_bool,
    read_enum,
    read_int,
    read_model,
    read_model_list,
    read_optional_enum,
    read_optional_model,
    read_optional_str,
    read_optional_str_list,
    read_optional_timestamp,
    read_optional_uuid,
    read_str,
    read_timestamp,
    read_uuid,
    read_uuid_list,
    write_enum,
    write_u32,
    write_uuid,
)

__all__ = ["FieldCode", "field_code"]

Reader = Callable[[JsonObject, str], Any]
_NO_DEFAULT: Any = dataclasses.MISSING
# datetime.fromisoformat reads "Z" and 9 fractional digits (truncated) from Python 3.11 on.
_SERVER_TIMESTAMP = (
    re.compile(
        r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
        r"(?:\.(?:[0-9]{3}){1,3})?Z"
    ).fullmatch
    if sys.version_info >= (3, 11)
    else None
)


@dataclasses.dataclass
class FieldCode:
    """One field as the generated code sees it: snippets plus the names they use."""

    name: str
    decode: str
    encode: str
    absent: Any = None
    symbols: Dict[str, Any] = dataclasses.field(default_factory=dict)
    mapping: Dict[str, Any] = dataclasses.field(default_factory=dict)
    may_raise: bool = False
    nullable: bool = False
    omit_none: bool = False
    extra: bool = False


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``convert`` that passes None through (dataclasses-json < 0.5.9 decodes None too)."""
    return lambda value: None if value is None else convert(value)


def _unwrap_optional(annotation: Any) -> Tuple[Any, bool]:
    arguments = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is Union and type(None) in arguments:
        rest = [argument for argument in arguments if argument is not type(None)]
        if len(rest) == 1:
            return rest[0], True
    return annotation, False


def field_code(
    declared: "dataclasses.Field[Any]",
    annotation: Any,
    policy: Policy,
    name: str,
    known: FrozenSet[str],
) -> FieldCode:
    """Snippets for one field; ``v`` is the wire value (decode) or attribute (encode)."""
    key = declared.name
    default = declared.default
    kind, optional = _unwrap_optional(annotation)
    if policy.codec is not None:
        codec = policy.codec
        return FieldCode(
            key,
            decode=f"$C(v, where + '.{key}')",
            encode=f"$E(v, {name!r})",
            symbols={"C": codec.decode, "E": codec.encode},
            mapping={
                "encoder": lambda value: codec.encode(value, name),
                "decoder": lambda value: codec.decode(value, name),
            },
        )
    if policy.catch_all:
        return FieldCode(
            key,
            decode="{k: x for k, x in obj.items() if k not in $K}",
            encode="",
            symbols={"K": known},
            extra=True,
        )
    if kind is str:
        reader: Reader = (
            (lambda obj, where: read_optional_str(obj, key, where))
            if optional
            else (lambda obj, where: read_str(obj, key, where))
        )
        guard = "v is None or type(v) is str" if optional else "type(v) is str"
        return FieldCode(key, f"v if {guard} else $R(obj, where)", "v", symbols={"R": reader})
    if kind is bool:
        return FieldCode(
            key,
            "v if type(v) is bool else $R(obj, where)",
            "v",
            absent=default,
            symbols={"R": lambda obj, where: read_bool(obj, key, where, bool(default))},
        )
    if kind is int:
        return _int_field(key, default, policy.maximum, name)
    if kind is Any:
        return FieldCode(key, "v", "v")
    if kind is UUID:
        return FieldCode(
            key,
            _nullable("$P(v) if type(v) is str else $R(obj, where)", optional),
            "str(v) if type(v) is UUID else $X(v)",
            symbols={
                "R": (lambda obj, where: read_optional_uuid(obj, key, where))
                if optional
                else (lambda obj, where: read_uuid(obj, key, where)),
                "X": lambda value: write_uuid(value, name),
                "P": uuid_from_text,
            },
            mapping={
                "encoder": _optional(str),
                "decoder": _optional(lambda value: parse_uuid(value, name)),
            },
            may_raise=True,
            nullable=optional,
        )
    if kind is datetime:
        return _timestamp_field(key, optional, policy.timestamp_form, name)
    if isinstance(kind, type) and issubclass(kind, WireEnum):
        return _enum_field(key, kind, optional, default, name)
    if isinstance(kind, type) and issubclass(kind, WireModel):
        return _model_field(key, kind, optional)
    if getattr(kind, "__origin__", None) is list:
        required = default is _NO_DEFAULT and declared.default_factory is _NO_DEFAULT
        return _list_field(key, kind.__args__[0], name, required)
    raise TypeError(f"{name}: no wire codec for {annotation!r}")


def _nullable(snippet: str, optional: bool) -> str:
    return f"None if v is None else {snippet}" if optional else snippet


def _int_field(key: str, default: Any, maximum: Optional[int], name: str) -> FieldCode:
    has_default = default is not _NO_DEFAULT
    bound = "" if maximum is None else f" <= {maximum}"
    encode = "v"
    symbols: Dict[str, Any] = {
        "R": lambda obj, where: read_int(
            obj, key, where, default if has_default else None, maximum
        )
    }
    if maximum is not None:
        encode = f"v if type(v) is int and 0 <= v{bound} else $X(v)"
        symbols["X"] = lambda value: write_u32(value, name)
    return FieldCode(
        key,
        f"v if type(v) is int and 0 <= v{bound} else $R(obj, where)",
        encode,
        absent=default if has_default else None,
        symbols=symbols,
    )


def _timestamp_field(
    key: str, optional: bool, form: Callable[[datetime], str], name: str
) -> FieldCode:
    decode = "$R(obj, where)"
    symbols: Dict[str, Any] = {
        "R": (lambda obj, where: read_optional_timestamp(obj, key, where))
        if optional
        else (lambda obj, where: read_timestamp(obj, key, where)),
        "F": form,
        "X": lambda value: form(parse_timestamp(value, name)),
    }
    if _SERVER_TIMESTAMP is not None:
        decode = "$T(v) if type(v) is str and $D(v) else $R(obj, where)"
        symbols.update(T=datetime.fromisoformat, D=_SERVER_TIMESTAMP)
    return FieldCode(
        key,
        _nullable(decode, optional),
        "$F(v) if type(v) is datetime else $X(v)",
        symbols=symbols,
        mapping={
            "encoder": _optional(form),
            "decoder": _optional(lambda value: parse_timestamp(value, name)),
        },
        may_raise=True,
        nullable=optional,
    )


def _enum_field(
    key: str, enum: Type[WireEnum], optional: bool, default: Any, name: str
) -> FieldCode:
    has_default = default is not _NO_DEFAULT and default is not None
    if optional:
        reader: Reader = lambda obj, where: read_optional_enum(enum, obj, key, where)  # noqa: E731
    else:
        reader = lambda obj, where: read_enum(  # noqa: E731
            enum, obj, key, where, default if has_default else None
        )
    return FieldCode(
        key,
        _nullable("($T.get(v) if type(v) is str else None) or $R(obj, where)", optional),
        "v._value_ if type(v) is $E else $X(v)",
        absent=default.value if has_default else None,
        symbols={
            "T": {member.value: member for member in enum},
            "R": reader,
            "E": enum,
            "X": lambda value: write_enum(enum, value, name),
        },
        mapping={
            "encoder": _optional(lambda member: str(member.value)),
            "decoder": _optional(lambda value: enum.parse(value, name)),
        },
        nullable=optional,
    )


def _model_field(key: str, model: Type[WireModel], optional: bool) -> FieldCode:
    return FieldCode(
        key,
        # $M._decode, not the decoder now: the first one generates and replaces itself.
        _nullable(
            f"$M._decode(v, where + '.{key}') if type(v) is dict else $R(obj, where)", optional
        ),
        "$M._encode(v) if type(v) is $M else v.to_wire()",
        symbols={
            "M": model,
            "R": (lambda obj, where: read_optional_model(model, obj, key, where))
            if optional
            else (lambda obj, where: read_model(model, obj, key, where)),
        },
        nullable=optional,
    )


def _list_field(key: str, item: Any, name: str, required: bool) -> FieldCode:
    if item is UUID:
        return FieldCode(
            key,
            "$R(obj, where)",
            "[$X(x) for x in v]",
            symbols={
                "R": lambda obj, where: read_uuid_list(obj, key, where),
                "X": lambda value: write_uuid(value, name),
            },
            mapping={
                "encoder": lambda values: [str(value) for value in values],
                "decoder": lambda values: [parse_uuid(value, name) for value in values],
            },
        )
    if item is str:
        return FieldCode(
            key,
            "$R(obj, where)",
            "list(v)",
            symbols={"R": lambda obj, where: read_optional_str_list(obj, key, where)},
            nullable=True,
        )
    if isinstance(item, type) and issubclass(item, WireModel):
        return FieldCode(
            key,
            "$R(obj, where)",
            "[$M._encode(x) if type(x) is $M else x.to_wire() for x in v]",
            symbols={
                "M": item,
                "R": lambda obj, where: read_model_list(item, obj, key, where, required),
            },
        )
    raise TypeError(f"{name}: no wire codec for a list of {item!r}")

"""Each model's wire codec, derived once per class from its dataclass declaration.

A model declares each field once: the annotation says what the field holds and
:func:`wire_field` in its metadata adds what an annotation cannot say (left out when
None, an upper bound, the timestamp form, a place in the wire order, a custom codec).
:func:`wire_model` reads that declaration when the class is created and derives:

* the decoder behind ``from_wire``: generated Python with, per field, one inline check
  for the form servers send (exact JSON types, ``Z`` timestamps, exact enum spellings)
  that falls back to the liberal reader of :mod:`ailoop.models._wire` for anything else;
  the reader accepts every other valid form and raises the ValidationError naming the
  field, so the inline check is only ever a shortcut to the reader's own result;
* the encoder behind ``to_wire``, generated the same way (inline for values of the
  declared type, the exact writer for anything else);
* the dataclasses-json mapping of each field (``encoder``, ``decoder``, ``exclude``),
  so ``to_dict``/``from_dict`` hold the same JSON values as the wire form.
"""

import dataclasses
import re
import sys
from datetime import datetime
from types import MappingProxyType
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    List,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    get_type_hints,
)
from uuid import UUID

from dataclasses_json import Undefined, config
from dataclasses_json.utils import CatchAllVar

from ailoop._timestamps import format_timestamp, parse_timestamp
from ailoop.models._enums import WireEnum
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

__all__ = ["CustomCodec", "wire_field", "wire_model"]

W = TypeVar("W", bound=Type[WireModel])
Reader = Callable[[JsonObject, str], Any]
Writer = Callable[[Any], Any]

_POLICY = "ailoop"
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


@dataclasses.dataclass(frozen=True)
class CustomCodec:
    """A field's own codec: ``decode(value, where)`` and ``encode(value, name)``."""

    decode: Callable[[Any, str], Any]
    encode: Callable[[Any, str], Any]


@dataclasses.dataclass(frozen=True)
class _Policy:
    omit_none: bool = False
    maximum: Optional[int] = None
    after: Optional[str] = None
    timestamp_form: Callable[[datetime], str] = format_timestamp
    codec: Optional[CustomCodec] = None


def wire_field(
    *,
    omit_none: bool = False,
    maximum: Optional[int] = None,
    after: Optional[str] = None,
    timestamp_form: Callable[[datetime], str] = format_timestamp,
    codec: Optional[CustomCodec] = None,
) -> Dict[str, Any]:
    """Field metadata for what the annotation does not say.

    ``omit_none``: left out of the wire object when None (else written as null).
    ``maximum``: upper bound of a non-negative integer. ``after``: on the wire the field
    follows the one named (dataclass order otherwise). ``timestamp_form``: how a
    timestamp is written. ``codec``: decode and encode the field with these functions.
    """
    return {_POLICY: _Policy(omit_none, maximum, after, timestamp_form, codec)}


@dataclasses.dataclass
class _Field:
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


def wire_model(cls: W) -> W:
    """Derive the wire decoder, encoder and dataclasses-json mapping of a dataclass model.

    Apply it above ``@dataclass``; nested models must be wire models already.
    """
    model: Any = cls
    hints = get_type_hints(model)
    prefix = _content_type(cls) or cls.wire_name
    known = frozenset(declared.name for declared in dataclasses.fields(model))
    compiled: List[_Field] = []
    for index, declared in enumerate(dataclasses.fields(model)):
        policy = declared.metadata.get(_POLICY, _Policy())
        spec = _field(declared, hints[declared.name], policy, f"{prefix}.{declared.name}", known)
        spec.omit_none = policy.omit_none
        spec.symbols = {f"{key}{index}": value for key, value in spec.symbols.items()}
        spec.decode = _number(spec.decode, index)
        spec.encode = _number(spec.encode, index)
        compiled.append(spec)
        mapping = dict(spec.mapping)
        if policy.omit_none:
            mapping["exclude"] = _is_none
        declared.metadata = MappingProxyType(
            {**declared.metadata, **config(**mapping)} if mapping else declared.metadata
        )
        if spec.extra:
            model.dataclass_json_config = config(undefined=Undefined.INCLUDE)["dataclasses_json"]
    model._decode = staticmethod(_decoder(cls, compiled))
    model._encode = staticmethod(_encoder(cls, compiled))
    return cls


def _content_type(cls: Type[WireModel]) -> str:
    """The wire ``type`` a content class writes first ("" for other models)."""
    content_type = getattr(cls, "content_type", "")
    return content_type if isinstance(content_type, str) else ""


def _number(snippet: str, index: int) -> str:
    """Give a snippet's symbols (``$R``, ``$T``, ...) the field's index."""
    return re.sub(r"\$([A-Z])", lambda match: f"{match.group(1)}{index}", snippet)


def _is_none(value: Any) -> bool:
    return value is None


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


def _field(
    declared: "dataclasses.Field[Any]",
    annotation: Any,
    policy: _Policy,
    name: str,
    known: FrozenSet[str],
) -> _Field:
    """Snippets for one field; ``v`` is the wire value (decode) or attribute (encode)."""
    key = declared.name
    default = declared.default
    kind, optional = _unwrap_optional(annotation)
    if policy.codec is not None:
        codec = policy.codec
        return _Field(
            key,
            decode=f"$C(v, where + '.{key}')",
            encode=f"$E(v, {name!r})",
            symbols={"C": codec.decode, "E": codec.encode},
            mapping={
                "encoder": lambda value: codec.encode(value, name),
                "decoder": lambda value: codec.decode(value, name),
            },
        )
    if kind is CatchAllVar:
        return _Field(
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
        return _Field(key, f"v if {guard} else $R(obj, where)", "v", symbols={"R": reader})
    if kind is bool:
        return _Field(
            key,
            "v if type(v) is bool else $R(obj, where)",
            "v",
            absent=default,
            symbols={"R": lambda obj, where: read_bool(obj, key, where, bool(default))},
        )
    if kind is int:
        return _int_field(key, default, policy.maximum, name)
    if kind is Any:
        return _Field(key, "v", "v")
    if kind is UUID:
        return _Field(
            key,
            _nullable("UUID(v) if type(v) is str else $R(obj, where)", optional),
            "str(v) if type(v) is UUID else $X(v)",
            symbols={
                "R": (lambda obj, where: read_optional_uuid(obj, key, where))
                if optional
                else (lambda obj, where: read_uuid(obj, key, where)),
                "X": lambda value: write_uuid(value, name),
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


def _int_field(key: str, default: Any, maximum: Optional[int], name: str) -> _Field:
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
    return _Field(
        key,
        f"v if type(v) is int and 0 <= v{bound} else $R(obj, where)",
        encode,
        absent=default if has_default else None,
        symbols=symbols,
    )


def _timestamp_field(
    key: str, optional: bool, form: Callable[[datetime], str], name: str
) -> _Field:
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
    return _Field(
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
) -> _Field:
    has_default = default is not _NO_DEFAULT and default is not None
    if optional:
        reader: Reader = lambda obj, where: read_optional_enum(enum, obj, key, where)  # noqa: E731
    else:
        reader = lambda obj, where: read_enum(  # noqa: E731
            enum, obj, key, where, default if has_default else None
        )
    return _Field(
        key,
        _nullable("($T.get(v) if type(v) is str else None) or $R(obj, where)", optional),
        "v.value if type(v) is $E else $X(v)",
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


def _model_field(key: str, model: Type[WireModel], optional: bool) -> _Field:
    return _Field(
        key,
        _nullable(f"$D(v, where + '.{key}') if type(v) is dict else $R(obj, where)", optional),
        "v.to_wire()",
        symbols={
            "D": model._decode,
            "R": (lambda obj, where: read_optional_model(model, obj, key, where))
            if optional
            else (lambda obj, where: read_model(model, obj, key, where)),
        },
        nullable=optional,
    )


def _list_field(key: str, item: Any, name: str, required: bool) -> _Field:
    if item is UUID:
        return _Field(
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
        return _Field(
            key,
            "$R(obj, where)",
            "list(v)",
            symbols={"R": lambda obj, where: read_optional_str_list(obj, key, where)},
            nullable=True,
        )
    if isinstance(item, type) and issubclass(item, WireModel):
        return _Field(
            key,
            "$R(obj, where)",
            "[x.to_wire() for x in v]",
            symbols={"R": lambda obj, where: read_model_list(item, obj, key, where, required)},
        )
    raise TypeError(f"{name}: no wire codec for a list of {item!r}")


def _decoder(cls: Type[WireModel], fields: List[_Field]) -> Callable[[JsonObject, str], Any]:
    lines = ["def decode(obj, where):"]
    arguments = []
    for index, spec in enumerate(fields):
        if spec.extra:
            lines.append(f"    f{index} = {spec.decode}")
        else:
            if re.search(r"\bv\b", spec.decode):
                absent = "" if spec.absent is None else f", {spec.absent!r}"
                lines.append(f"    v = obj.get({spec.name!r}{absent})")
            if spec.may_raise:
                lines += [
                    "    try:",
                    f"        f{index} = {spec.decode}",
                    "    except ValueError:",
                    f"        f{index} = R{index}(obj, where)",
                ]
            else:
                lines.append(f"    f{index} = {spec.decode}")
        arguments.append(f"f{index}")
    lines.append(f"    return cls({', '.join(arguments)})")
    namespace = _namespace(cls, fields)
    exec(compile("\n".join(lines), f"<wire decoder of {cls.__name__}>", "exec"), namespace)
    decode: Callable[[JsonObject, str], Any] = namespace["decode"]
    return decode


def _encoder(cls: Type[WireModel], fields: List[_Field]) -> Callable[[Any], JsonObject]:
    content_type = _content_type(cls)
    lines = ["def encode(self):", "    w = {}"]
    if content_type:
        lines.append(f"    w['type'] = {content_type!r}")
    extra = None
    for spec in _wire_order(cls, fields):
        if spec.extra:
            extra = spec
            continue
        lines.append(f"    v = self.{spec.name}")
        target = f"w[{spec.name!r}]"
        if spec.omit_none:
            lines += ["    if v is not None:", f"        {target} = {spec.encode}"]
        elif spec.nullable and spec.encode != "v":
            lines.append(f"    {target} = None if v is None else {spec.encode}")
        else:
            lines.append(f"    {target} = {spec.encode}")
    if extra is not None:
        lines += [
            f"    for k, x in (self.{extra.name} or {{}}).items():",
            "        w.setdefault(k, x)",
        ]
    lines.append("    return w")
    namespace = _namespace(cls, fields)
    exec(compile("\n".join(lines), f"<wire encoder of {cls.__name__}>", "exec"), namespace)
    encode: Callable[[Any], JsonObject] = namespace["encode"]
    return encode


def _namespace(cls: Type[WireModel], fields: List[_Field]) -> Dict[str, Any]:
    namespace: Dict[str, Any] = {"cls": cls, "UUID": UUID, "datetime": datetime}
    for spec in fields:
        namespace.update(spec.symbols)
    return namespace


def _wire_order(cls: Type[WireModel], fields: List[_Field]) -> List[_Field]:
    """Dataclass order, except that a field declared ``after=`` another follows it."""
    ordered = list(fields)
    model: Any = cls
    for declared, spec in zip(dataclasses.fields(model), fields):
        after = declared.metadata.get(_POLICY, _Policy()).after
        if after is not None:
            ordered.remove(spec)
            anchor = next(index for index, other in enumerate(ordered) if other.name == after)
            ordered.insert(anchor + 1, spec)
    return ordered

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

Nothing is derived when the class is created: the decoder and encoder at their first
call, the mapping when dataclasses-json is first used (:mod:`ailoop.models._json`), the
field declarations they share at the first of these. Deriving them for every model up
front would cost every ``from ailoop import AiloopClient`` milliseconds, most of them
for models the program never reads or writes.

What each kind of field contributes is in :mod:`ailoop.models._field_kinds`, loaded with
the first derivation.
"""

import dataclasses
import re
import threading
from datetime import datetime
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    List,
    NamedTuple,
    Optional,
    Type,
    TypeVar,
    get_type_hints,
)
from uuid import UUID

from ailoop._timestamps import format_timestamp
from ailoop.models._json import JsonMapping, register
from ailoop.models._wire import JsonObject, WireModel

if TYPE_CHECKING:
    from ailoop.models._field_kinds import FieldCode

__all__ = ["CustomCodec", "Policy", "wire_field", "wire_model"]

W = TypeVar("W", bound=Type[WireModel])

_POLICY = "ailoop"


class CustomCodec(NamedTuple):
    """A field's own codec: ``decode(value, where)`` and ``encode(value, name)``."""

    decode: Callable[[Any, str], Any]
    encode: Callable[[Any, str], Any]


class Policy(NamedTuple):
    """What :func:`wire_field` declares about a field (see its arguments)."""

    omit_none: bool = False
    maximum: Optional[int] = None
    after: Optional[str] = None
    timestamp_form: Callable[[datetime], str] = format_timestamp
    codec: Optional[CustomCodec] = None
    catch_all: bool = False


def wire_field(
    *,
    omit_none: bool = False,
    maximum: Optional[int] = None,
    after: Optional[str] = None,
    timestamp_form: Callable[[datetime], str] = format_timestamp,
    codec: Optional[CustomCodec] = None,
    catch_all: bool = False,
) -> Dict[str, Any]:
    """Field metadata for what the annotation does not say.

    ``omit_none``: left out of the wire object when None (else written as null).
    ``maximum``: upper bound of a non-negative integer. ``after``: on the wire the field
    follows the one named (dataclass order otherwise). ``timestamp_form``: how a
    timestamp is written. ``codec``: decode and encode the field with these functions.
    ``catch_all``: a ``Dict[str, Any]`` keeping the object's unknown keys (decoded into
    it, written back after the known fields; dataclasses-json's ``CatchAll``).
    """
    return {_POLICY: Policy(omit_none, maximum, after, timestamp_form, codec, catch_all)}


def wire_model(cls: W) -> W:
    """Give a dataclass model its wire decoder and encoder and its dataclasses-json
    mapping, each derived from the declaration at its first use.

    Apply it above ``@dataclass``; nested models must be wire models already.
    """
    model: Any = cls
    fields = _Declaration(model)
    model._decode = staticmethod(_generated_at_first_call(model, "_decode", _decoder, fields))
    model._encode = staticmethod(_generated_at_first_call(model, "_encode", _encoder, fields))
    register(model, fields.json_mapping)
    return cls


class _Declaration:
    """A model's fields as the generated code sees them, derived at the first need."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self._fields: List[FieldCode] = []
        self._lock = threading.Lock()

    def fields(self) -> List["FieldCode"]:
        """Every field's :class:`FieldCode`, in dataclass order (derived once)."""
        with self._lock:
            if not self._fields:
                self._fields = _field_codes(self._model)
            return self._fields

    def json_mapping(self) -> JsonMapping:
        """The dataclasses-json mapping of the fields (``config()`` arguments)."""
        options: Dict[str, Dict[str, Any]] = {}
        catch_all = None
        for spec in self.fields():
            mapping = dict(spec.mapping)
            if spec.omit_none:
                mapping["exclude"] = _is_none
            if mapping:
                options[spec.name] = mapping
            if spec.extra:
                catch_all = spec.name
        return JsonMapping(options, catch_all)


def _field_codes(model: Any) -> List["FieldCode"]:
    from ailoop.models._field_kinds import field_code  # noqa: PLC0415 - see the docstring

    hints = get_type_hints(model)
    prefix = _content_type(model) or model.wire_name
    known = frozenset(declared.name for declared in dataclasses.fields(model))
    compiled: List[FieldCode] = []
    for index, declared in enumerate(dataclasses.fields(model)):
        policy = declared.metadata.get(_POLICY, Policy())
        name = f"{prefix}.{declared.name}"
        spec = field_code(declared, hints[declared.name], policy, name, known)
        spec.omit_none = policy.omit_none
        spec.symbols = {f"{key}{index}": value for key, value in spec.symbols.items()}
        spec.decode = _number(spec.decode, index)
        spec.encode = _number(spec.encode, index)
        compiled.append(spec)
    return compiled


def _is_none(value: Any) -> bool:
    return value is None


def _generated_at_first_call(
    model: Any,
    name: str,
    generate: Callable[[Any, List["FieldCode"]], Callable[..., Any]],
    declaration: _Declaration,
) -> Callable[..., Any]:
    """Stand in for a generated function until its first call, which generates it (once),
    installs it as ``model.<name>`` and calls it.
    """
    generated: List[Callable[..., Any]] = []

    def first_call(*args: Any) -> Any:
        if not generated:
            generated.append(generate(model, declaration.fields()))
            setattr(model, name, staticmethod(generated[0]))
        return generated[0](*args)

    return first_call


def _content_type(cls: Type[WireModel]) -> str:
    """The wire ``type`` a content class writes first ("" for other models)."""
    content_type = getattr(cls, "content_type", "")
    return content_type if isinstance(content_type, str) else ""


def _number(snippet: str, index: int) -> str:
    """Give a snippet's symbols (``$R``, ``$T``, ...) the field's index."""
    return re.sub(r"\$([A-Z])", lambda match: f"{match.group(1)}{index}", snippet)


def _decoder(cls: Type[WireModel], fields: List["FieldCode"]) -> Callable[[JsonObject, str], Any]:
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


def _encoder(cls: Type[WireModel], fields: List["FieldCode"]) -> Callable[[Any], JsonObject]:
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


def _namespace(cls: Type[WireModel], fields: List["FieldCode"]) -> Dict[str, Any]:
    namespace: Dict[str, Any] = {"cls": cls, "UUID": UUID, "datetime": datetime}
    for spec in fields:
        namespace.update(spec.symbols)
    return namespace


def _wire_order(cls: Type[WireModel], fields: List["FieldCode"]) -> List["FieldCode"]:
    """Dataclass order, except that a field declared ``after=`` another follows it."""
    ordered = list(fields)
    model: Any = cls
    for declared, spec in zip(dataclasses.fields(model), fields):
        after = declared.metadata.get(_POLICY, Policy()).after
        if after is not None:
            ordered.remove(spec)
            anchor = next(index for index, other in enumerate(ordered) if other.name == after)
            ordered.insert(anchor + 1, spec)
    return ordered

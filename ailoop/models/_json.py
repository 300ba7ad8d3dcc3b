"""dataclasses-json's methods on the models, with dataclasses-json loaded at the first call.

dataclasses-json and marshmallow take about as long to import as the rest of the SDK
(BENCHMARKS.md, item 6), and the client never needs them: it reads and writes the wire
form (``from_wire``, ``to_wire``, ``to_json``). :class:`JsonMixin` gives every model
the methods of dataclasses-json's ``DataClassJsonMixin`` -- ``to_dict``, ``from_dict``,
``from_json`` and ``schema``, with the same signatures and results -- and the first call
of any of them, on any model, imports dataclasses-json and gives every registered
model's fields their mapping (:func:`register`) before delegating to dataclasses-json's
own functions. The models are not ``DataClassJsonMixin`` subclasses.
"""

import dataclasses
import threading
from types import MappingProxyType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    ClassVar,
    Dict,
    List,
    NamedTuple,
    Optional,
    Tuple,
    Type,
    TypeVar,
)

if TYPE_CHECKING:
    from dataclasses_json.core import Json
    from dataclasses_json.mm import JsonData, SchemaType

__all__ = ["JsonMapping", "JsonMixin", "register"]

J = TypeVar("J", bound="JsonMixin")


class JsonMapping(NamedTuple):
    """A model's dataclasses-json mapping: ``dataclasses_json.config()`` arguments per
    field (``encoder``, ``decoder``, ``exclude``) and the field that keeps unknown keys.
    """

    fields: Dict[str, Dict[str, Any]]
    catch_all: Optional[str] = None


_registered: List[Tuple[type, Callable[[], JsonMapping]]] = []
_install_lock = threading.Lock()
_installed = threading.Event()


def register(model: type, mapping: Callable[[], JsonMapping]) -> None:
    """Give ``model`` the mapping ``mapping()`` returns when dataclasses-json is loaded."""
    with _install_lock:
        if _installed.is_set():
            _apply(model, mapping())
        else:
            _registered.append((model, mapping))


def _loaded() -> None:
    """Import dataclasses-json and map every registered model's fields (once)."""
    if _installed.is_set():
        return
    with _install_lock:
        if not _installed.is_set():
            for model, mapping in _registered:
                _apply(model, mapping())
            _registered.clear()
            _installed.set()


def _apply(model: Any, mapping: JsonMapping) -> None:
    from dataclasses_json import CatchAll, Undefined, config  # noqa: PLC0415

    for declared in dataclasses.fields(model):
        options = mapping.fields.get(declared.name)
        if options:
            # dataclasses-json reads each field's mapping from its metadata at every call.
            declared.metadata = MappingProxyType({**declared.metadata, **config(**options)})
        if declared.name == mapping.catch_all:
            # dataclasses-json finds the field that keeps unknown keys by its annotation.
            declared.type = CatchAll
            model.__annotations__[declared.name] = CatchAll
            model.dataclass_json_config = config(undefined=Undefined.INCLUDE)["dataclasses_json"]


def _mixin() -> Any:
    """dataclasses-json's ``DataClassJsonMixin``, whose functions the methods run."""
    _loaded()
    from dataclasses_json import DataClassJsonMixin  # noqa: PLC0415

    return DataClassJsonMixin


class JsonMixin:
    """``to_dict``, ``from_dict``, ``from_json`` and ``schema`` of dataclasses-json's
    ``DataClassJsonMixin`` (see the module docstring).
    """

    dataclass_json_config: ClassVar[Optional[Dict[str, Any]]] = None

    def to_dict(self, encode_json: bool = False) -> Dict[str, "Json"]:
        """The model as a dict of JSON values (dataclasses-json's ``to_dict``)."""
        as_dict: Dict[str, Json] = _mixin().to_dict(self, encode_json=encode_json)
        return as_dict

    @classmethod
    def from_dict(cls: Type[J], kvs: "Json", *, infer_missing: bool = False) -> J:
        """Build the model from ``to_dict()``'s form (dataclasses-json's ``from_dict``)."""
        built: J = _mixin().from_dict.__func__(cls, kvs, infer_missing=infer_missing)
        return built

    @classmethod
    def from_json(
        cls: Type[J],
        s: "JsonData",
        *,
        parse_float: Any = None,
        parse_int: Any = None,
        parse_constant: Any = None,
        infer_missing: bool = False,
        **kw: Any,
    ) -> J:
        """``from_dict`` of the JSON text ``s`` (dataclasses-json's ``from_json``)."""
        built: J = _mixin().from_json.__func__(
            cls,
            s,
            parse_float=parse_float,
            parse_int=parse_int,
            parse_constant=parse_constant,
            infer_missing=infer_missing,
            **kw,
        )
        return built

    @classmethod
    def schema(
        cls: Type[J],
        *,
        infer_missing: bool = False,
        only: Any = None,
        exclude: Any = (),
        many: bool = False,
        context: Any = None,
        load_only: Any = (),
        dump_only: Any = (),
        partial: bool = False,
        unknown: Any = None,
    ) -> "SchemaType[J]":
        """A marshmallow schema of the model (dataclasses-json's ``schema``)."""
        _loaded()
        from dataclasses_json.mm import build_schema  # noqa: PLC0415
        from dataclasses_json.utils import _undefined_parameter_action_safe  # noqa: PLC0415

        # As DataClassJsonMixin.schema, with this class as the mixin that marks the
        # nested models dataclasses-json builds schemas for.
        schema_class = build_schema(cls, JsonMixin, infer_missing, partial)
        if unknown is None:
            action = _undefined_parameter_action_safe(cls)  # type: ignore[no-untyped-call]
            if action is not None:
                unknown = action.name.lower()
        built: SchemaType[J] = schema_class(
            only=only,
            exclude=exclude,
            many=many,
            context=context,
            load_only=load_only,
            dump_only=dump_only,
            partial=partial,
            unknown=unknown,
        )
        return built

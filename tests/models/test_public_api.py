"""The public surface of ``ailoop`` and ``ailoop.models``."""

import dataclasses
import logging
import pickle
import re
from pathlib import Path

import ailoop
import ailoop.models
from ailoop import Message, NotificationContent


def test_all_is_sorted_and_resolves_to_documented_names() -> None:
    assert ailoop.__all__ == sorted(ailoop.__all__)
    for name in ailoop.__all__:
        value = getattr(ailoop, name)
        if name != "__version__":
            assert value.__doc__, name


def test_models_all_is_sorted_and_resolves() -> None:
    assert ailoop.models.__all__ == sorted(ailoop.models.__all__)
    for name in ailoop.models.__all__:
        assert hasattr(ailoop.models, name), name


def test_every_model_enum_and_exception_is_exported_from_ailoop() -> None:
    for module in (ailoop.models, ailoop.exceptions):
        for name in module.__all__:
            if name == "MessageContent":  # a typing alias, not a class
                continue
            assert name in ailoop.__all__, name
            assert getattr(ailoop, name) is getattr(module, name)


def test_public_classes_say_ailoop_and_still_pickle() -> None:
    for name in ailoop.__all__:
        value = getattr(ailoop, name)
        if isinstance(value, type):
            assert value.__module__ == "ailoop", name
    message = Message.new("ops", NotificationContent("x"))
    assert repr(type(message)) == "<class 'ailoop.Message'>"
    assert pickle.loads(pickle.dumps(message)) == message


def test_public_methods_are_documented() -> None:
    for name in ailoop.__all__:
        value = getattr(ailoop, name)
        if not isinstance(value, type):
            continue
        for attribute, member in vars(value).items():
            if attribute.startswith("_") or not callable(member):
                continue
            assert getattr(value, attribute).__doc__, f"{name}.{attribute}"


def test_models_are_dataclasses_with_the_wire_entry_points() -> None:
    for name in ailoop.models.__all__:
        model = getattr(ailoop.models, name)
        if dataclasses.is_dataclass(model):
            for method in ("from_wire", "from_wire_list", "to_wire", "to_json", "from_dict"):
                assert callable(getattr(model, method)), f"{name}.{method}"


def test_version_is_single_sourced() -> None:
    setup = (Path(__file__).resolve().parents[2] / "setup.py").read_text(encoding="utf-8")
    assert "__version__" in setup
    assert re.fullmatch(r"\d+\.\d+\.\d+(?:[.-]?\w+)?", ailoop.__version__)


def test_library_logger_has_a_null_handler() -> None:
    handlers = logging.getLogger("ailoop").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)

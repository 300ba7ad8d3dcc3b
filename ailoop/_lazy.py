"""Third-party modules imported at their first use instead of with the client.

``from ailoop import AiloopClient`` needs no WebSocket until a stream or a prompt opens
one: the modules that open sockets reach websocket-client through :func:`lazy_module`, so
a program that only calls REST methods never loads it (BENCHMARKS.md, item 6).
"""

import importlib
import sys
from types import ModuleType
from typing import Any

__all__ = ["lazy_module"]


class _LazyModule(ModuleType):
    """Stands for a module until an attribute is read, then imports it; the module's names
    are copied in, so later reads are plain attribute look-ups.
    """

    def __getattr__(self, name: str) -> Any:
        module = importlib.import_module(self.__name__)
        self.__dict__.update(module.__dict__)
        return getattr(module, name)


def lazy_module(name: str) -> ModuleType:
    """The module ``name`` if it is imported already, else a stand-in that imports it at
    its first attribute access (thread-safe: the import system locks the import).
    """
    loaded = sys.modules.get(name)
    return loaded if loaded is not None else _LazyModule(name)

"""A wire-faithful stand-in for the ailoop server, for tests and demos.

``AiloopTestServer`` behaves like the real Rust server (v1.0.14) on the wire, quirks
included, and adds a human-side API and fault switches.  It needs the ``testing`` extra
(``pip install ailoop-py[testing]``, which brings aiohttp); importing this package does
not, so the pytest plugin loads everywhere and fails only when its fixture is used.
"""

import importlib
from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:
    from ._faults import RecordedFrame, RecordedRequest
    from ._human import HumanAnswer, HumanPolicy
    from ._server import AiloopTestServer, ConnectionCounts, PendingPrompt

__all__ = [
    "AiloopTestServer",
    "ConnectionCounts",
    "HumanAnswer",
    "HumanPolicy",
    "PendingPrompt",
    "RecordedFrame",
    "RecordedRequest",
]

_HOMES = {
    "AiloopTestServer": "._server",
    "ConnectionCounts": "._server",
    "PendingPrompt": "._server",
    "RecordedFrame": "._faults",
    "RecordedRequest": "._faults",
    "HumanAnswer": "._human",
    "HumanPolicy": "._human",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))

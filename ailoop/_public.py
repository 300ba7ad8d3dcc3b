"""Public classes and functions name the module users import them from.

Each defining module calls :func:`present_as` for its public names as soon as they
exist, so ``repr(ailoop.Message)``, pickles and tracebacks say ``ailoop.Message`` however
the class was first reached (``ailoop.Message``, ``ailoop.models.Message`` or a private
module), and never depend on which import happened first. The public modules load their
names lazily (so ``import ailoop`` stays cheap), and every name stays reachable where
``__module__`` points: pickle resolves ``ailoop.Message`` through that lazy loading.
"""

import inspect
from typing import Any, Iterable, Mapping

__all__ = ["present_as"]


def present_as(module: str, namespace: Mapping[str, Any], names: Iterable[str]) -> None:
    """Set ``__module__`` of each class or function ``namespace[name]`` to ``module``.

    Other values (type aliases, constants) are left alone.
    """
    for name in names:
        value = namespace[name]
        if isinstance(value, type) or inspect.isfunction(value):
            value.__module__ = module

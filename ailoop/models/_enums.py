"""The protocol's enumerations as ``str`` enums whose values are the wire spellings."""

from enum import Enum
from typing import Any, Dict, Type, TypeVar

from ailoop.exceptions import ValidationError

__all__ = [
    "DependencyType",
    "NotificationPriority",
    "ResponseType",
    "SenderType",
    "TaskState",
    "WireEnum",
]

E = TypeVar("E", bound="WireEnum")


class WireEnum(str, Enum):
    """A ``str`` enum whose ``str()`` and ``format()`` give the wire value on every Python."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, format_spec: str) -> str:
        return format(str(self.value), format_spec)

    @classmethod
    def parse(cls: Type[E], value: Any, name: str) -> E:
        """The member for ``value`` (a member or its wire value in any letter case).

        Raises :class:`ailoop.ValidationError` naming ``name`` for anything else.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            table = _lookup(cls)
            member = table.get(value) or table.get(value.lower())
            if member is not None:
                return member
            shown = repr(value[:64])
        else:
            shown = f"a {type(value).__name__}"
        allowed = ", ".join(repr(member.value) for member in cls)
        raise ValidationError(f"{name}: expected one of {allowed}, got {shown}")


_LOOKUPS: Dict[type, Dict[str, Any]] = {}


def _lookup(cls: Type[E]) -> Dict[str, E]:
    """Wire value, and wire value in lower case -> member, built once per enum."""
    table = _LOOKUPS.get(cls)
    if table is None:
        table = {member.value.lower(): member for member in cls}
        table.update((member.value, member) for member in cls)
        _LOOKUPS[cls] = table
    return table


class SenderType(WireEnum):
    """Who sent a message. The wire spelling is upper case; the server rejects lower case."""

    AGENT = "AGENT"
    HUMAN = "HUMAN"


class ResponseType(WireEnum):
    """The kind of a ``response`` message."""

    TEXT = "text"
    AUTHORIZATION_APPROVED = "authorization_approved"
    AUTHORIZATION_DENIED = "authorization_denied"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"


class NotificationPriority(WireEnum):
    """Priority of a ``notification``; the server's default when missing is ``low``."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class TaskState(WireEnum):
    """State of a task."""

    PENDING = "pending"
    DONE = "done"
    ABANDONED = "abandoned"


class DependencyType(WireEnum):
    """Kind of a dependency between two tasks (every kind blocks the child)."""

    BLOCKS = "blocks"
    RELATED = "related"
    PARENT = "parent"

"""Type aliases of the public API, each defined once.

``MessageHandler`` and ``ConnectionHandler`` are public (``ailoop.MessageHandler``,
``ailoop.ConnectionHandler``) for annotating your own handlers::

    def on_message(message: ailoop.Message) -> None: ...

    handler: ailoop.MessageHandler = on_message
"""

from typing import Any, Callable, Dict, TypeVar, Union
from uuid import UUID

from ailoop._connection_state import ConnectionEvent
from ailoop.models import Message

__all__ = ["ConnectionHandler", "F", "Frame", "HandlerErrorHook", "IdLike", "MessageHandler"]

MessageHandler = Callable[[Message], Any]
MessageHandler.__doc__ = """A message handler: called on the dispatcher thread with each
:class:`~ailoop.Message`; its return value is ignored."""

ConnectionHandler = Callable[[ConnectionEvent], Any]
ConnectionHandler.__doc__ = """A connection handler: called on the dispatcher thread with
each :class:`~ailoop.ConnectionEvent`; its return value is ignored."""

HandlerErrorHook = Callable[[Exception, Any], Any]
"""``on_handler_error(error, payload)``: told about each exception a handler raised."""

Frame = Dict[str, Any]
"""A decoded JSON object as it came off the wire (a message before decoding)."""

IdLike = Union[str, UUID]
"""A message or task id: a :class:`uuid.UUID` or any string form of one."""

F = TypeVar("F", bound=Callable[..., Any])
"""A function an approval gate wraps (the gated function has the same type)."""

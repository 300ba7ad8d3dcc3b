"""The ``Message`` envelope (PROTOCOL §3.2)."""

import sys
import typing
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Optional
from uuid import UUID

from ailoop._timestamps import utc_now
from ailoop.models._codec import wire_field, wire_model
from ailoop.models._content import CONTENT_CODEC, MessageContent
from ailoop.models._enums import SenderType
from ailoop.models._uuids import random_uuid4
from ailoop.models._wire import WireModel

if TYPE_CHECKING:
    from typing_extensions import TypeVar
elif sys.version_info >= (3, 13):
    from typing import TypeVar
else:

    def TypeVar(name: str, *constraints: Any, default: Any = None, **options: Any) -> Any:
        """``typing.TypeVar`` without the PEP 696 ``default``, which only type checkers
        read: typing_extensions' ``TypeVar`` would keep it at run time before Python 3.13,
        but importing typing_extensions costs ~3 ms (BENCHMARKS.md, item 6).
        """
        return typing.TypeVar(name, *constraints, **options)


__all__ = ["Content_co", "Message"]

Content_co = TypeVar("Content_co", bound=MessageContent, default=MessageContent, covariant=True)
"""The content class of a :class:`Message`: ``Message[ResponseContent]`` holds a response."""
N = TypeVar("N", bound=MessageContent)


@wire_model
@dataclass
class Message(WireModel, Generic[Content_co]):
    """One message of the protocol: a prompt, a notification, a response or an event.

    ``content`` is one of the content classes (``content.content_type`` is its wire
    ``type``); ``Message[ResponseContent]`` is the type of a message known to hold a
    response (what ``authorize(wait=True)`` returns), a bare ``Message`` may hold any
    content. ``correlation_id`` links a response to the prompt it answers;
    ``metadata`` is any JSON value (a canonical decision response carries
    ``{"option_id", "label", "index"}``).

    ``Message.from_wire(obj)`` decodes liberally (PROTOCOL §11 item 11) and raises
    :class:`ailoop.ValidationError` for anything that cannot be a message;
    ``to_wire()`` / ``to_json()`` give the exact form the server accepts (field order of
    the Rust struct, upper-case ``sender_type``, lower-case hyphenated UUIDs, UTC
    timestamp with ``Z``, ``correlation_id`` always present, ``metadata`` omitted when
    None).
    """

    id: UUID
    channel: str
    sender_type: SenderType
    content: Content_co = field(metadata=wire_field(codec=CONTENT_CODEC))
    timestamp: datetime
    correlation_id: Optional[UUID] = None
    metadata: Optional[Any] = field(default=None, metadata=wire_field(omit_none=True))

    wire_name: ClassVar[str] = "message"

    @staticmethod
    def new(
        channel: str,
        content: N,
        *,
        correlation_id: Optional[UUID] = None,
        metadata: Optional[Any] = None,
        sender_type: SenderType = SenderType.AGENT,
    ) -> "Message[N]":
        """A fresh message: random ``id`` (uuid4), ``timestamp`` now in UTC.

        The sender is ``AGENT`` unless ``sender_type`` says otherwise. Nothing is
        validated here; the client validates arguments before building messages.
        """
        # In field order: positional arguments take half the time of keywords.
        return Message(
            random_uuid4(), channel, sender_type, content, utc_now(), correlation_id, metadata
        )

    @property
    def content_type(self) -> str:
        """The wire ``type`` of the content (``"decision"``, ``"response"``, ...)."""
        return self.content.content_type

"""The ``Message`` envelope (PROTOCOL §3.2)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Optional
from uuid import UUID, uuid4

from dataclasses_json import config

from ailoop._timestamps import utc_now
from ailoop.models._content import MessageContent, decode_content, encode_content
from ailoop.models._enums import SenderType
from ailoop.models._wire import (
    JsonObject,
    WireModel,
    enum_config,
    read_enum,
    read_optional_uuid,
    read_str,
    read_timestamp,
    read_uuid,
    timestamp_config,
    uuid_config,
    write_enum,
    write_optional_uuid,
    write_timestamp,
    write_uuid,
)

__all__ = ["Message"]


@dataclass
class Message(WireModel):
    """One message of the protocol: a prompt, a notification, a response or an event.

    ``content`` is one of the content classes (``content.content_type`` is its wire
    ``type``); ``correlation_id`` links a response to the prompt it answers;
    ``metadata`` is any JSON value (a canonical decision response carries
    ``{"option_id", "label", "index"}``).

    ``Message.from_wire(obj)`` decodes liberally (PROTOCOL §11 item 11) and raises
    :class:`ailoop.ValidationError` for anything that cannot be a message;
    ``to_wire()`` / ``to_json()`` give the exact form the server accepts.
    """

    id: UUID = field(metadata=uuid_config("message.id"))
    channel: str
    sender_type: SenderType = field(metadata=enum_config(SenderType, "message.sender_type"))
    content: MessageContent = field(
        metadata=config(
            encoder=encode_content,
            decoder=lambda value: decode_content(value, "message.content"),
        )
    )
    timestamp: datetime = field(metadata=timestamp_config("message.timestamp"))
    correlation_id: Optional[UUID] = field(
        default=None, metadata=uuid_config("message.correlation_id")
    )
    metadata: Optional[Any] = field(default=None, metadata=config(exclude=lambda v: v is None))

    wire_name: ClassVar[str] = "message"

    @classmethod
    def new(
        cls,
        channel: str,
        content: MessageContent,
        *,
        correlation_id: Optional[UUID] = None,
        metadata: Optional[Any] = None,
        sender_type: SenderType = SenderType.AGENT,
    ) -> "Message":
        """A fresh message: random ``id`` (uuid4), ``timestamp`` now in UTC.

        The sender is ``AGENT`` unless ``sender_type`` says otherwise. Nothing is
        validated here; the client validates arguments before building messages.
        """
        return cls(
            id=uuid4(),
            channel=channel,
            sender_type=sender_type,
            content=content,
            timestamp=utc_now(),
            correlation_id=correlation_id,
            metadata=metadata,
        )

    @property
    def content_type(self) -> str:
        """The wire ``type`` of the content (``"decision"``, ``"response"``, ...)."""
        return self.content.content_type

    @classmethod
    def _decode(cls, obj: JsonObject, where: str) -> "Message":
        return cls(
            id=read_uuid(obj, "id", where),
            channel=read_str(obj, "channel", where),
            sender_type=read_enum(SenderType, obj, "sender_type", where),
            content=decode_content(obj.get("content"), f"{where}.content"),
            timestamp=read_timestamp(obj, "timestamp", where),
            correlation_id=read_optional_uuid(obj, "correlation_id", where),
            metadata=obj.get("metadata"),
        )

    def to_wire(self) -> JsonObject:
        """The exact form the server accepts and emits.

        Field order of the Rust struct, upper-case ``sender_type``, lower-case
        hyphenated UUIDs, UTC timestamp with ``Z``, ``correlation_id`` always present,
        ``metadata`` omitted when None. Raises :class:`ailoop.ValidationError` if a
        field holds a value of the wrong type.
        """
        wire: JsonObject = {
            "id": write_uuid(self.id, "message.id"),
            "channel": self.channel,
            "sender_type": write_enum(SenderType, self.sender_type, "message.sender_type"),
            "content": encode_content(self.content, "message.content"),
            "timestamp": write_timestamp(self.timestamp, "message.timestamp"),
            "correlation_id": write_optional_uuid(self.correlation_id, "message.correlation_id"),
        }
        if self.metadata is not None:
            wire["metadata"] = self.metadata
        return wire

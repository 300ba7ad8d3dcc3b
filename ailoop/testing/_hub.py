"""Message history and WebSocket fan-out, shaped like the real server's.

History keeps the last 1000 messages per channel in storage order.  The hub keeps a
subscription table ``channel -> connections`` where viewers sit under the ``*`` key; a
broadcast goes to the union of the channel's subscribers and ``*``.  Everything here
runs on the server's event loop thread.
"""

import asyncio
import collections
import itertools
import uuid
from typing import Any, Deque, Dict, List, NamedTuple, Optional, Set

from ._clock import now_timestamp
from ._wire import dumps

HISTORY_PER_CHANNEL = 1000
ALL_CHANNELS = "*"


class StoredMessage:
    """One normalised message plus its wire text (serialised once, sent many times)."""

    __slots__ = ("channel", "data", "id", "text")

    def __init__(self, data: Dict[str, Any]) -> None:
        self.data = data
        self.id: str = data["id"]
        self.channel: str = data["channel"]
        self.text = dumps(data)

    @property
    def content(self) -> Dict[str, Any]:
        """The ``content`` object."""
        content: Dict[str, Any] = self.data["content"]
        return content

    @property
    def content_type(self) -> str:
        """The ``content.type`` tag."""
        kind: str = self.content["type"]
        return kind


def response_message(
    channel: str,
    answer: Optional[str],
    response_type: str,
    correlation_id: str,
    metadata: Optional[Dict[str, Any]] = None,
) -> StoredMessage:
    """A server-made ``response`` message (``HUMAN``, fresh id, timestamp now)."""
    data: Dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "channel": channel,
        "sender_type": "HUMAN",
        "content": {"type": "response", "answer": answer, "response_type": response_type},
        "timestamp": now_timestamp(),
        "correlation_id": correlation_id,
    }
    if metadata is not None:
        data["metadata"] = metadata
    return StoredMessage(data)


class ChannelStats(NamedTuple):
    """Count and first/last stored timestamps of one channel's history."""

    message_count: int
    oldest: Optional[str]
    newest: Optional[str]


class MessageHistory:
    """Per-channel FIFO of stored messages, oldest evicted beyond 1000."""

    def __init__(self) -> None:
        self._channels: Dict[str, Deque[StoredMessage]] = {}

    def add(self, message: StoredMessage) -> None:
        """Append a message to its channel's history."""
        stored = self._channels.get(message.channel)
        if stored is None:
            stored = self._channels[message.channel] = collections.deque(maxlen=HISTORY_PER_CHANNEL)
        stored.append(message)

    def channels(self) -> List[str]:
        """Channels that have history."""
        return list(self._channels)

    def recent(self, channel: str, limit: int) -> List[StoredMessage]:
        """The last ``limit`` messages of a channel, oldest stored first."""
        stored = self._channels.get(channel)
        if not stored or limit <= 0:
            return []
        if limit >= len(stored):
            return list(stored)
        return list(itertools.islice(stored, len(stored) - limit, None))

    def all(self, channel: Optional[str] = None) -> List[StoredMessage]:
        """Every stored message of one channel, or of all channels in channel order."""
        if channel is not None:
            return list(self._channels.get(channel, ()))
        return [message for stored in self._channels.values() for message in stored]

    def find(self, message_id: str) -> Optional[StoredMessage]:
        """The first stored message with this id (any channel)."""
        for stored in self._channels.values():
            for message in stored:
                if message.id == message_id:
                    return message
        return None

    def stats(self, channel: str) -> ChannelStats:
        """Count plus the timestamps of the first and last stored messages."""
        stored = self._channels.get(channel)
        if not stored:
            return ChannelStats(0, None, None)
        return ChannelStats(len(stored), stored[0].data["timestamp"], stored[-1].data["timestamp"])


class Connection:
    """One WebSocket connection as the hub sees it: mode, subscriptions and outbox."""

    __slots__ = ("channels", "id", "is_viewer", "outbox")

    def __init__(self, connection_id: int) -> None:
        self.id = connection_id
        self.is_viewer = False
        self.channels: Set[str] = set()
        self.outbox: asyncio.Queue[str] = asyncio.Queue()

    def send(self, text: str) -> None:
        """Queue a text frame; the connection's writer task sends queued frames in order."""
        self.outbox.put_nowait(text)


class HubStats(NamedTuple):
    """Connection and subscription counters as ``/api/stats`` reports them."""

    total: int
    agents: int
    viewers: int
    active_channels: int


class BroadcastHub:
    """Connections, the subscription table and broadcasting."""

    def __init__(self) -> None:
        self.connections: Dict[int, Connection] = {}
        self._subscriptions: Dict[str, Set[int]] = {}
        self._ids = itertools.count(1)

    def open(self) -> Connection:
        """Register a new connection (agent mode, no subscriptions)."""
        connection = Connection(next(self._ids))
        self.connections[connection.id] = connection
        return connection

    def close(self, connection: Connection) -> None:
        """Forget a connection and drop its subscriptions (empty keys disappear)."""
        self.connections.pop(connection.id, None)
        for channel in connection.channels:
            subscribers = self._subscriptions.get(channel)
            if subscribers is not None:
                subscribers.discard(connection.id)
                if not subscribers:
                    del self._subscriptions[channel]

    def subscribe(self, connection: Connection, channel: str) -> None:
        """Add a channel (or ``*``) to a connection's subscriptions."""
        connection.channels.add(channel)
        self._subscriptions.setdefault(channel, set()).add(connection.id)

    def make_viewer(self, connection: Connection) -> None:
        """Switch a connection to viewer mode for good and subscribe it to everything."""
        connection.is_viewer = True
        self.subscribe(connection, ALL_CHANNELS)

    def broadcast(self, message: StoredMessage) -> None:
        """Send to the channel's subscribers and to every ``*`` subscriber, once each."""
        targets = set(self._subscriptions.get(message.channel, ()))
        targets.update(self._subscriptions.get(ALL_CHANNELS, ()))
        for connection_id in targets:
            connection = self.connections.get(connection_id)
            if connection is not None:
                connection.send(message.text)

    def stats(self) -> HubStats:
        """Counters for ``/api/stats`` and health."""
        total = len(self.connections)
        viewers = sum(1 for c in self.connections.values() if c.is_viewer)
        return HubStats(total, total - viewers, viewers, len(self._subscriptions))

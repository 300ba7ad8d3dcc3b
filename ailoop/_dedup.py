"""Bounded memory of the message ids the realtime stream has already seen.

The server never de-duplicates: a viewer's history replay overlaps with live frames, and
every reconnect replays up to 500 messages per channel again. :class:`SeenMessages`
remembers the most recent ids per channel (twice as many as the server keeps in a
channel's history, because a catch-up may deliver older messages after newer live ones)
for a bounded number of channels, so memory stays bounded however long the client runs.
It is owned by the network thread and takes no lock.
"""

from collections import OrderedDict, deque
from typing import Deque, Set, Tuple

__all__ = ["SeenMessages"]

IDS_PER_CHANNEL = 2000
MAX_CHANNELS = 1000


class _ChannelMemory:
    """The last ``capacity`` ids of one channel, in arrival order."""

    __slots__ = ("_ids", "_order")

    def __init__(self, capacity: int) -> None:
        self._ids: Set[str] = set()
        self._order: Deque[str] = deque(maxlen=capacity)

    def add(self, message_id: str) -> bool:
        if message_id in self._ids:
            return False
        if len(self._order) == self._order.maxlen:
            self._ids.discard(self._order[0])
        self._order.append(message_id)
        self._ids.add(message_id)
        return True

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._ids

    def __len__(self) -> int:
        return len(self._order)


class SeenMessages:
    """Which message ids were seen, per channel: at most ``per_channel`` ids for each of
    the ``max_channels`` most recently active channels.
    """

    def __init__(self, per_channel: int = IDS_PER_CHANNEL, max_channels: int = MAX_CHANNELS):
        if per_channel < 1 or max_channels < 1:
            raise ValueError("per_channel and max_channels must be at least 1")
        self._per_channel = per_channel
        self._max_channels = max_channels
        self._channels: OrderedDict[str, _ChannelMemory] = OrderedDict()

    def add(self, channel: str, message_id: str) -> bool:
        """Record ``message_id``; True when it was not seen before (deliver it)."""
        memory = self._channels.get(channel)
        if memory is None:
            memory = _ChannelMemory(self._per_channel)
            self._channels[channel] = memory
            if len(self._channels) > self._max_channels:
                self._channels.popitem(last=False)
        else:
            self._channels.move_to_end(channel)
        return memory.add(message_id)

    def __contains__(self, key: object) -> bool:
        """``(channel, message_id) in seen``."""
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        channel, message_id = key
        memory = self._channels.get(channel)
        return memory is not None and message_id in memory

    def size(self) -> Tuple[int, int]:
        """``(channels remembered, ids remembered)``: for tests and diagnostics."""
        return len(self._channels), sum(len(memory) for memory in self._channels.values())

"""Bounded memory of the message ids the realtime stream has already seen.

The server never de-duplicates: a viewer's history replay overlaps with live frames, and
every reconnect replays up to 500 messages of *every* channel again. To hand each
message to handlers once, :class:`SeenMessages` remembers, per channel, the most recent
``IDS_PER_CHANNEL`` ids seen (more than the replay window, because live-only frames such
as canonical responses share the window, and a catch-up compares against the oldest id
still remembered).

Ids are kept as 8-byte digests in one ``bytearray`` ring per channel (behind a 1 KiB
Bloom filter that answers "new" without a scan), not as ``str`` objects in sets: about
10 bytes per id instead of ~150, so a server with 5,000 busy channels costs ~28 MiB, and
the whole memory stays under ``MAX_BYTES`` (32 MiB). Only
beyond that budget -- several thousand channels each with a full replay window -- is the
least recently active channel forgotten. A digest is the process's own 64-bit string
hash; two ids of one channel sharing one within a window of 560 is a 1-in-10^16 event.
It is owned by the network thread and takes no lock.
"""

from collections import OrderedDict
from typing import Tuple

__all__ = ["IDS_PER_CHANNEL", "MAX_BYTES", "SeenMessages"]

IDS_PER_CHANNEL = 560
MAX_BYTES = 32 * 1024 * 1024
_DIGEST = 8
_FILTER_BYTES = 512
_FILTER_MASK = _FILTER_BYTES * 8 - 1
_CHANNEL_OVERHEAD = 600 + 2 * _FILTER_BYTES
"""Bytes a remembered channel costs beside its ring (filters, name, objects, table slot)."""


class _Ring:
    """The last ``capacity`` digests of one channel (grows up to it, then wraps), with
    two generations of a small Bloom filter in front: a digest neither filter holds was
    certainly not seen, so a new message -- the common case -- costs no scan.
    """

    __slots__ = ("_added", "_capacity", "_data", "_next", "_older", "_recent")

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._data = bytearray()
        self._next = 0
        self._recent = bytearray(_FILTER_BYTES)
        self._older = bytearray(_FILTER_BYTES)
        self._added = 0

    def holds(self, key: int) -> bool:
        """True when the digest of hash ``key`` is among the last ``capacity`` added."""
        low, high = key & _FILTER_MASK, (key >> 12) & _FILTER_MASK
        recent, older = self._recent, self._older
        bit_low, bit_high = 1 << (low & 7), 1 << (high & 7)
        if not (
            (recent[low >> 3] & bit_low and recent[high >> 3] & bit_high)
            or (older[low >> 3] & bit_low and older[high >> 3] & bit_high)
        ):
            return False
        digest = key.to_bytes(_DIGEST, "little", signed=True)
        data = self._data
        found = data.find(digest)
        while found >= 0:
            if found % _DIGEST == 0:
                return True
            found = data.find(digest, found + 1)
        return False

    def add(self, key: int) -> int:
        """Remember the digest of hash ``key`` unless it is among the last ``capacity``
        added: -1 when it was, else how many bytes the ring grew by.
        """
        low, high = key & _FILTER_MASK, (key >> 12) & _FILTER_MASK
        low_byte, high_byte = low >> 3, high >> 3
        bit_low, bit_high = 1 << (low & 7), 1 << (high & 7)
        recent = self._recent
        older = self._older
        digest = key.to_bytes(_DIGEST, "little", signed=True)
        if (recent[low_byte] & bit_low and recent[high_byte] & bit_high) or (
            older[low_byte] & bit_low and older[high_byte] & bit_high
        ):
            data = self._data
            found = data.find(digest)
            while found >= 0:
                if found % _DIGEST == 0:
                    return -1
                found = data.find(digest, found + 1)
        if self._added == self._capacity:  # the older filter covers what the ring still holds
            self._older, self._recent = recent, bytearray(_FILTER_BYTES)
            recent = self._recent
            self._added = 0
        self._added += 1
        recent[low_byte] |= bit_low
        recent[high_byte] |= bit_high
        data = self._data
        if len(data) < self._capacity * _DIGEST:
            data += digest
            return _DIGEST
        start = self._next * _DIGEST
        data[start : start + _DIGEST] = digest
        self._next = (self._next + 1) % self._capacity
        return 0

    def __len__(self) -> int:
        return len(self._data) // _DIGEST

    @property
    def nbytes(self) -> int:
        return len(self._data)


class SeenMessages:
    """Which message ids were seen, per channel: the last ``per_channel`` of each
    channel, within ``max_bytes`` in all (least recently active channels forgotten
    beyond it).
    """

    def __init__(self, per_channel: int = IDS_PER_CHANNEL, max_bytes: int = MAX_BYTES) -> None:
        if per_channel < 1 or max_bytes < 1:
            raise ValueError("per_channel and max_bytes must be at least 1")
        self._per_channel = per_channel
        self._max_bytes = max_bytes
        self._channels: OrderedDict[str, _Ring] = OrderedDict()
        self._bytes = 0

    def add(self, channel: str, message_id: str) -> bool:
        """Record ``message_id``; True when it was not seen before (deliver it)."""
        channels = self._channels
        ring = channels.get(channel)
        if ring is None:
            ring = channels[channel] = _Ring(self._per_channel)
            self._bytes += _CHANNEL_OVERHEAD + len(channel)
        else:
            channels.move_to_end(channel)
        grown = ring.add(hash(message_id))
        if grown < 0:
            return False
        if grown:
            self._bytes += grown
            while self._bytes > self._max_bytes and len(channels) > 1:
                name, oldest = channels.popitem(last=False)
                self._bytes -= _CHANNEL_OVERHEAD + len(name) + oldest.nbytes
        return True

    def __contains__(self, key: object) -> bool:
        """``(channel, message_id) in seen``."""
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        channel, message_id = key
        ring = self._channels.get(channel)
        return ring is not None and isinstance(message_id, str) and ring.holds(hash(message_id))

    def size(self) -> Tuple[int, int]:
        """``(channels remembered, ids remembered)``: for tests and diagnostics."""
        return len(self._channels), sum(len(ring) for ring in self._channels.values())

    @property
    def nbytes(self) -> int:
        """The memory accounted for (rings plus a per-channel overhead), in bytes."""
        return self._bytes

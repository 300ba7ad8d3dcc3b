"""Cheaper ways to the same :class:`uuid.UUID` values for the two per-message steps.

``uuid.uuid4()`` and ``uuid.UUID(text)`` run ``UUID.__init__``, which accepts every input
form and re-checks the value it is given; the SDK makes a random version-4 id for every
message it builds and reads at least one canonical id from every message it receives.
These functions give equal UUIDs (same ``int``, same ``is_safe``, so equal, equally
hashed, and printed alike) by setting the two slots as ``UUID.__init__`` does itself.
"""

import os
from uuid import UUID, SafeUUID

__all__ = ["random_uuid4", "uuid_from_text"]

# RFC 4122 variant (10xx) and version 4 bits, as uuid.UUID(version=4) sets them.
_CLEAR = ~((0xC000 << 48) | (0xF000 << 64))
_VERSION_4 = (0x8000 << 48) | (0x4000 << 64)
_UNKNOWN = SafeUUID.unknown
_set = object.__setattr__
_new = object.__new__
_from_bytes = int.from_bytes
_urandom = os.urandom


def _uuid(value: int) -> UUID:
    made: UUID = _new(UUID)
    _set(made, "int", value)
    _set(made, "is_safe", _UNKNOWN)
    return made


def random_uuid4() -> UUID:
    """A random version-4 UUID, as ``uuid.uuid4()`` (16 bytes of ``os.urandom``)."""
    made: UUID = _new(UUID)
    _set(made, "int", (_from_bytes(_urandom(16), "big") & _CLEAR) | _VERSION_4)
    _set(made, "is_safe", _UNKNOWN)
    return made


def uuid_from_text(text: str) -> UUID:
    """``uuid.UUID(text)``: the same UUID, or the same ValueError.

    Text whose hex digits are all there once the hyphens are dropped (the form servers
    send) is read without ``UUID.__init__``'s other clean-ups (``urn:uuid:``, braces),
    which leave such text unchanged or make ``int()`` refuse it as ``UUID()`` would.
    """
    digits = text.replace("-", "")
    if len(digits) == 32:
        try:
            return _uuid(int(digits, 16))
        except ValueError:
            pass
    return UUID(text)

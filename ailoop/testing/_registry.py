"""The pending-prompt registry: prompts currently in front of the (simulated) human.

An entry exists only while the interaction loop waits for that prompt's answer.  HTTP
answers complete the first entry for a message id; human-policy answers complete the
exact entry they were asked for.  Runs on the event loop thread; ``on_change`` lets the
server publish a thread-safe snapshot for ``pending()``.
"""

import asyncio
import itertools
from typing import Callable, List, NamedTuple, Optional, Union

from ._hub import StoredMessage


class ProviderReply(NamedTuple):
    """An answer through the registry: HTTP ``…/response``, or a Telegram-style reply."""

    answer: Optional[str]
    response_type: str


class TerminalInput(NamedTuple):
    """A line typed on the server's terminal (``"\\x1b"`` stands for the ESC key)."""

    text: str


Reply = Union[ProviderReply, TerminalInput]
ESCAPE = "\x1b"


class PromptEntry:
    """One registered prompt and the future its handler waits on."""

    __slots__ = ("channel", "entry_id", "kind", "label", "message", "reply")

    def __init__(self, entry_id: int, message: StoredMessage, kind: str, label: str) -> None:
        self.entry_id = entry_id
        self.message = message
        self.kind = kind
        self.channel = message.channel
        self.label = label
        self.reply: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()


class PendingRegistry:
    """Ordered registry of prompt entries (``position`` is the 1-based index)."""

    def __init__(self, on_change: Callable[[List[PromptEntry]], None]) -> None:
        self.entries: List[PromptEntry] = []
        self._ids = itertools.count(1)
        self._on_change = on_change

    def register(self, message: StoredMessage, kind: str, label: str) -> PromptEntry:
        """Put a prompt in front of the human."""
        entry = PromptEntry(next(self._ids), message, kind, label)
        self.entries.append(entry)
        self._on_change(self.entries)
        return entry

    def submit_for_message(self, message_id: str, reply: Reply) -> bool:
        """Complete the first entry for ``message_id``; False when none is registered."""
        for entry in self.entries:
            if entry.message.id == message_id:
                return self.complete(entry, reply)
        return False

    def complete(self, entry: PromptEntry, reply: Reply) -> bool:
        """Complete one exact entry if it is still registered."""
        if not self.withdraw(entry):
            return False
        if not entry.reply.done():
            entry.reply.set_result(reply)
        return True

    def withdraw(self, entry: PromptEntry) -> bool:
        """Remove an entry without answering it (timeout, shutdown)."""
        if entry not in self.entries:
            return False
        self.entries.remove(entry)
        self._on_change(self.entries)
        return True

    def find(self, entry_id: int) -> Optional[PromptEntry]:
        """The registered entry with this id, if any."""
        for entry in self.entries:
            if entry.entry_id == entry_id:
                return entry
        return None

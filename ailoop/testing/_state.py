"""Everything one server process holds in memory, and the operations on it.

A restart replaces the whole :class:`ServerState`, which is how "all state lost" is
modelled.  All methods run on the event loop thread.
"""

import logging
from typing import Any, Callable, Dict, List, Optional

from ._hub import BroadcastHub, Connection, MessageHistory, StoredMessage, response_message
from ._interaction import InteractionLoop
from ._registry import PendingRegistry, PromptEntry, ProviderReply
from ._tasks import TaskStore
from ._wire import JsonSyntaxError, SchemaError, loads, message_parser

logger = logging.getLogger("ailoop.testing")

REPLAY_PER_CHANNEL = 500


class ServerState:
    """History, connections, registry, queues and tasks of one server instance."""

    def __init__(
        self,
        *,
        legacy: bool,
        default_timeout: Optional[float],
        on_registry_change: Callable[[List[PromptEntry]], None],
        on_prompt: Callable[[PromptEntry], None],
        on_open_url: Callable[[str], None],
        tick: float,
        time_scale: float,
    ) -> None:
        self.legacy = legacy
        self.parse_message = message_parser(legacy)
        self.history = MessageHistory()
        self.hub = BroadcastHub()
        self.registry = PendingRegistry(on_registry_change)
        self.tasks = TaskStore()
        self.interaction = InteractionLoop(
            legacy=legacy,
            default_timeout=default_timeout,
            registry=self.registry,
            hub=self.hub,
            on_prompt=on_prompt,
            on_open_url=on_open_url,
            tick=tick,
            time_scale=time_scale,
        )
        self.shutting_down = False

    def receive_frame(self, connection: Connection, text: str) -> None:
        """Handle one text frame from a WebSocket; invalid frames are dropped silently."""
        if connection.is_viewer:
            return
        try:
            value = loads(text)
        except JsonSyntaxError as exc:
            logger.debug("dropping a frame that is not JSON: %s", exc)
            return
        if isinstance(value, dict) and "subscribe" in value:
            self._become_viewer(connection)
            return
        try:
            data = self.parse_message(value, "")
        except SchemaError as exc:
            logger.debug("dropping a frame that is not a Message: %s", exc)
            return
        message = StoredMessage(data)
        self.hub.subscribe(connection, message.channel)
        self.history.add(message)
        self.hub.broadcast(message)
        self.interaction.enqueue(message)

    def _become_viewer(self, connection: Connection) -> None:
        self.hub.make_viewer(connection)
        for channel in self.history.channels():
            for message in self.history.recent(channel, REPLAY_PER_CHANNEL):
                connection.send(message.text)

    def post_message(self, data: Dict[str, Any]) -> StoredMessage:
        """``POST /api/v1/messages``: store and broadcast, never enqueue."""
        message = StoredMessage(data)
        self.history.add(message)
        self.hub.broadcast(message)
        return message

    def post_response(
        self, message_id: str, answer: Optional[str], response_type: str
    ) -> Optional[StoredMessage]:
        """Answer as the web UI does: raw response stored + broadcast, then hand it over.

        Returns the raw response, or None when ``message_id`` is not in history.
        """
        original = self.history.find(message_id)
        if original is None:
            return None
        raw = response_message(original.channel, answer, response_type, message_id)
        self.history.add(raw)
        self.hub.broadcast(raw)
        self.registry.submit_for_message(message_id, ProviderReply(answer, response_type))
        return raw

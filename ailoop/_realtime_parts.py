"""The parts of a client that open WebSockets, built at their first use.

:class:`RealtimeParts` holds the WebSocket opener, the realtime engine (stream, routing,
handlers, waits) and the prompt sender of one client. The client builds them the first
time a prompt, a wait, a handler, a queue, a subscription or the stream needs them, so
``from ailoop import AiloopClient`` and a program that only calls REST methods load none
of the realtime modules (BENCHMARKS.md, item 6).
"""

import threading
from typing import Any, Callable, NamedTuple

from ailoop._agent import AgentConnector
from ailoop._era import EraDetector
from ailoop._http import HttpTransport
from ailoop._options import ClientOptions
from ailoop._prompts import PromptSender
from ailoop._realtime import RealtimeEngine
from ailoop._rest_history import RestHistory
from ailoop._websocket import WebSocketOpener
from ailoop.models import Message

__all__ = ["ClientLinks", "RealtimeParts"]


class ClientLinks(NamedTuple):
    """What the realtime parts use of their client: its options, REST transport and era
    detector, its closed event, its REST call ``post(path, body)`` and the decoder of an
    echoed prompt ``decode(body)``.
    """

    options: ClientOptions
    http: HttpTransport
    era: EraDetector
    closed: threading.Event
    post: Callable[[str, Any], Any]
    decode: Callable[[Any], Message]


class RealtimeParts:
    """The opener, engine and prompt sender of one client (see the module docstring)."""

    def __init__(self, opener: WebSocketOpener, engine: RealtimeEngine, links: ClientLinks) -> None:
        self.opener = opener
        self.engine = engine
        self.prompts = PromptSender(
            agent=AgentConnector(opener, links.options.timeout, links.closed),
            engine=engine,
            era=links.era,
            post=links.post,
            decode=links.decode,
            echo_timeout=links.options.echo_timeout,
            realtime=links.options.realtime,
        )

    @classmethod
    def build(cls, links: ClientLinks) -> "RealtimeParts":
        """Fresh parts from the client's options; no I/O, no thread."""
        options = links.options
        opener = WebSocketOpener(options.connection)
        engine = RealtimeEngine(
            factory=opener,
            history=RestHistory(links.http),
            decode=Message.from_wire,
            settings=options.stream,
            channel=options.channel,
            max_pending_messages=options.max_pending_messages,
            on_handler_error=options.on_handler_error,
            realtime=options.realtime,
        )
        return cls(opener, engine, links)

    def forked_copy(self, links: ClientLinks) -> "RealtimeParts":
        """The parts of a forked child: the engine's forked copy (same subscriptions and
        handlers, no thread or socket of the parent), REST through the child's transport.
        """
        engine = self.engine.forked_copy(RestHistory(links.http))
        return RealtimeParts(self.opener, engine, links)

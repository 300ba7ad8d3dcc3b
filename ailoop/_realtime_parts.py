"""The parts of a client that open WebSockets, built at their first use.

:class:`RealtimeParts` holds the WebSocket opener, the realtime engine (stream, routing,
handlers, waits) and the prompt sender of one client. The client builds them the first
time a prompt, a wait, a handler, a queue, a subscription or the stream needs them, so
``from ailoop import AiloopClient`` and a program that only calls REST methods load none
of the realtime modules (BENCHMARKS.md, item 6).
"""

import threading
from typing import Any, Callable

from ailoop._agent import AgentConnector
from ailoop._era import EraDetector
from ailoop._http import HttpTransport
from ailoop._options import ClientOptions
from ailoop._prompts import PromptSender
from ailoop._realtime import RealtimeEngine
from ailoop._rest_history import RestHistory
from ailoop._websocket import WebSocketOpener
from ailoop.models import Message

__all__ = ["RealtimeParts"]


class RealtimeParts:
    """The opener, engine and prompt sender of one client (see the module docstring).

    ``post(path, body)`` and ``decode(body)`` are the client's REST call and the decoder
    of an echoed prompt; ``closed`` is the client's closed event.
    """

    def __init__(
        self,
        opener: WebSocketOpener,
        engine: RealtimeEngine,
        *,
        options: ClientOptions,
        era: EraDetector,
        closed: threading.Event,
        post: Callable[[str, Any], Any],
        decode: Callable[[Any], Message],
    ) -> None:
        self.opener = opener
        self.engine = engine
        self.prompts = PromptSender(
            agent=AgentConnector(opener, options.timeout, closed),
            engine=engine,
            era=era,
            post=post,
            decode=decode,
            echo_timeout=options.echo_timeout,
            realtime=options.realtime,
        )

    @classmethod
    def build(
        cls,
        options: ClientOptions,
        http: HttpTransport,
        *,
        era: EraDetector,
        closed: threading.Event,
        post: Callable[[str, Any], Any],
        decode: Callable[[Any], Message],
    ) -> "RealtimeParts":
        """Fresh parts from the client's options; no I/O, no thread."""
        opener = WebSocketOpener(options.connection)
        engine = RealtimeEngine(
            factory=opener,
            history=RestHistory(http),
            decode=Message.from_wire,
            settings=options.stream,
            channel=options.channel,
            max_pending_messages=options.max_pending_messages,
            on_handler_error=options.on_handler_error,
            realtime=options.realtime,
        )
        return cls(
            opener, engine, options=options, era=era, closed=closed, post=post, decode=decode
        )

    def forked_copy(
        self,
        options: ClientOptions,
        http: HttpTransport,
        *,
        era: EraDetector,
        closed: threading.Event,
        post: Callable[[str, Any], Any],
        decode: Callable[[Any], Message],
    ) -> "RealtimeParts":
        """The parts of a forked child: the engine's forked copy (same subscriptions and
        handlers, no thread or socket of the parent), REST through the child's ``http``.
        """
        engine = self.engine.forked_copy(RestHistory(http))
        return RealtimeParts(
            self.opener, engine, options=options, era=era, closed=closed, post=post, decode=decode
        )

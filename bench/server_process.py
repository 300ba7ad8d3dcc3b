"""Child-process side of :mod:`bench.server`: an ``AiloopTestServer`` driven by JSON lines.

Started as ``python -m bench.server_process '<json server options>'``. Writes one JSON line
per reply on the original standard output (everything else printed goes to stderr).
Commands (``{"op": ...}``): ``respond``, ``wait_pending``, ``inject``, ``drop``,
``requests``, ``stop``. The option ``"human": "approve"`` starts the server with a policy
that approves every prompt as a terminal or Telegram-style provider would.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable, Dict, Optional, TextIO, Tuple

from ailoop.testing import AiloopTestServer
from bench.frames import traffic

Reply = Dict[str, Any]


class _Commands:
    """The operations the benchmark process may ask for."""

    def __init__(self, server: AiloopTestServer) -> None:
        self.server = server

    def respond(self, message_id: str, answer: Any = None, response_type: str = "text") -> Reply:
        """Answer a prompt as the web UI does; ``t0`` is taken right before answering."""
        started = time.perf_counter()
        self.server.respond(message_id, answer=answer, response_type=response_type)
        return {"t0": started}

    def wait_pending(self, message_id: str, timeout: float = 10.0) -> Reply:
        """Wait until prompt ``message_id`` is registered with the human loop."""
        self.server.wait_for_pending(timeout, message_id=message_id)
        return {"message_id": message_id}

    def inject(self, count: int, channels: Any) -> Reply:
        """Push ``count`` fresh Message frames to every open socket as fast as it can send.

        The frames are queued while sending is paused (``pause_pongs``) and released at
        once (``resume_pongs``), so the rate is that of the server's socket writer, not of
        one cross-thread call per frame; ``t0`` is taken right before the release.
        """
        frames = traffic(count, list(channels))
        self.server.pause_pongs()
        try:
            for frame in frames:
                self.server.inject_frame(frame)
        finally:
            started = time.perf_counter()
            self.server.resume_pongs()
        return {"t0": started}

    def drop(self) -> Reply:
        """Drop every WebSocket connection."""
        self.server.drop_connections()
        return {"t0": time.perf_counter()}

    def requests(self, clear: bool = True) -> Reply:
        """How many HTTP requests (by method and route) arrived since the last clear."""
        counts: Dict[str, int] = {}
        for request in self.server.requests:
            route = request.path.split("?", 1)[0]
            key = f"{request.method} {_route_shape(route)}"
            counts[key] = counts.get(key, 0) + 1
        if clear:
            self.server.clear_logs()
        return {"counts": counts}


def _route_shape(path: str) -> str:
    """``/api/v1/messages/<id>`` for ``/api/v1/messages/3f2a...``: ids folded together."""
    parts = path.split("/")
    if len(parts) > 4 and parts[1:4] == ["api", "v1", "messages"]:
        parts[4] = "<id>"
    if len(parts) > 3 and parts[1:3] == ["api", "channels"]:
        parts[3] = "<channel>"
    return "/".join(parts)


def approve_everything(message: Any) -> Optional[Tuple[Optional[str], str]]:
    """A human policy that approves every prompt (no raw response is stored)."""
    return (None, "authorization_approved")


def _serve(commands: _Commands, inbox: TextIO, outbox: TextIO) -> None:
    handlers: Dict[str, Callable[..., Reply]] = {
        "respond": commands.respond,
        "wait_pending": commands.wait_pending,
        "inject": commands.inject,
        "drop": commands.drop,
        "requests": commands.requests,
    }
    for line in inbox:
        request = json.loads(line)
        op = request.pop("op")
        if op == "stop":
            return
        try:
            reply = handlers[op](**request)
        except Exception as error:  # reported to the benchmark process, which raises
            reply = {"error": f"{op}: {type(error).__name__}: {error}"}
        outbox.write(json.dumps(reply) + "\n")
        outbox.flush()


def main() -> None:
    """Start the server, announce its URLs, then serve commands until ``stop``."""
    options = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    if options.pop("human", None) == "approve":
        options["human"] = approve_everything
    outbox = sys.stdout
    sys.stdout = sys.stderr
    with AiloopTestServer(**options) as server:
        outbox.write(json.dumps({"url": server.url, "ws_url": server.ws_url}) + "\n")
        outbox.flush()
        _serve(_Commands(server), sys.stdin, outbox)


if __name__ == "__main__":
    main()

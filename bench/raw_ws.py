"""Raw ``websocket-client`` baselines: a viewer socket and a one-shot agent prompt.

They use the options the SDK uses for its own sockets (``skip_utf8_validation=True``;
``json.loads`` still rejects invalid UTF-8), so a difference is the SDK's own work.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Dict, Optional, Type

import websocket

from bench.frames import wire_timestamp

SOCKET_OPTIONS: Dict[str, Any] = {"skip_utf8_validation": True}
HELLO = json.dumps({"subscribe": "*"})


def open_viewer(
    ws_url: str,
    timeout: float = 10.0,
    socket_class: Type[websocket.WebSocket] = websocket.WebSocket,
) -> websocket.WebSocket:
    """A viewer connection: connected and hello sent (the replay follows)."""
    ws = websocket.create_connection(ws_url, timeout=timeout, class_=socket_class, **SOCKET_OPTIONS)
    ws.send(HELLO)
    return ws


def recv_json(ws: websocket.WebSocket) -> Any:
    """One text frame decoded with ``json.loads`` (the baseline's whole per-frame work)."""
    return json.loads(ws.recv())


def recv_until(ws: websocket.WebSocket, wanted: str, key: str = "id") -> Dict[str, Any]:
    """Read frames until one whose ``key`` equals ``wanted``; that frame."""
    while True:
        frame = recv_json(ws)
        if isinstance(frame, dict) and frame.get(key) == wanted:
            return frame


def authorization_frame(channel: str, action: str, message_id: Optional[str] = None) -> str:
    """An authorization prompt as a client sends it on an agent connection."""
    import datetime

    return json.dumps(
        {
            "id": message_id or str(uuid.uuid4()),
            "channel": channel,
            "sender_type": "AGENT",
            "content": {
                "type": "authorization",
                "action": action,
                "context": None,
                "timeout_seconds": 300,
            },
            "timestamp": wire_timestamp(datetime.datetime.now(datetime.timezone.utc)),
            "correlation_id": None,
        }
    )


def send_prompt(ws_url: str, channel: str, action: str, timeout: float = 10.0) -> str:
    """Send an authorization prompt on a short-lived agent connection; its id once echoed."""
    message_id = str(uuid.uuid4())
    ws = websocket.create_connection(ws_url, timeout=timeout, **SOCKET_OPTIONS)
    try:
        ws.send(authorization_frame(channel, action, message_id))
        recv_until(ws, message_id)
    finally:
        ws.close()
    return message_id


def elapsed_since(started: float) -> float:
    """Seconds since ``started`` (a ``time.perf_counter()`` value, any process)."""
    return time.perf_counter() - started

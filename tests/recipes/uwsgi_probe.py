"""A tiny WSGI app for ``test_uwsgi.py``, served by a real uWSGI.

Its first request creates a client and connects its realtime stream, which starts the
client's first background thread (where ailoop checks whether uWSGI runs Python
threads); later requests only answer.
"""

import logging
import os
import threading
from typing import Callable, Iterable, List, Tuple

import ailoop

logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s: %(message)s")

StartResponse = Callable[[str, List[Tuple[str, str]]], object]

_lock = threading.Lock()
_clients: List[ailoop.AiloopClient] = []


def application(environ: object, start_response: StartResponse) -> Iterable[bytes]:
    """Connect the process's client on first use; answer ``streaming``."""
    with _lock:
        if not _clients:
            client = ailoop.AiloopClient(os.environ["AILOOP_SERVER_URL"], channel="uwsgi")
            client.connect_websocket()
            _clients.append(client)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"streaming\n"]

"""The process-wide ``AiloopClient`` of this Django project.

One client serves every request and thread (it is thread-safe). It is created on first
use from the ``AILOOP_*`` settings and closed when the process exits.
"""

import atexit
import threading
from typing import Optional

from django.conf import settings

from ailoop import AiloopClient


class _SharedClient:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Optional[AiloopClient] = None

    def get(self) -> AiloopClient:
        with self._lock:
            if self._client is None:
                self._client = AiloopClient(
                    getattr(settings, "AILOOP_SERVER_URL", None),
                    channel=getattr(settings, "AILOOP_CHANNEL", "public"),
                    token=getattr(settings, "AILOOP_TOKEN", None),
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_shared = _SharedClient()
atexit.register(_shared.close)


def get_client() -> AiloopClient:
    """The shared client, created on first use."""
    return _shared.get()


def close_client() -> None:
    """Close the shared client; the next ``get_client()`` creates a new one."""
    _shared.close()

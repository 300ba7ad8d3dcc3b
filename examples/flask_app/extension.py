"""A Flask extension that gives each app one shared, lazily created ``AiloopClient``."""

import atexit
import threading
from typing import Any, Mapping, Optional

from flask import Flask, current_app

from ailoop import AiloopClient


class _ClientHolder:
    """Creates the app's client on first use and closes it once."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._client: Optional[AiloopClient] = None

    def get(self) -> AiloopClient:
        with self._lock:
            if self._client is None:
                self._client = AiloopClient(
                    self._config["AILOOP_SERVER_URL"],
                    channel=self._config["AILOOP_CHANNEL"],
                    token=self._config["AILOOP_TOKEN"],
                )
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


class FlaskAiloop:
    """One thread-safe ``AiloopClient`` per Flask app, shared by every request.

    Configuration keys (all optional): ``AILOOP_SERVER_URL`` and ``AILOOP_TOKEN``
    (``None`` falls back to the ``$AILOOP_SERVER_URL`` / ``$AILOOP_TOKEN`` environment
    variables) and ``AILOOP_CHANNEL``. The client is created on first use, never at
    import or in ``init_app``, so nothing runs before a server forks its workers.
    """

    def __init__(self, app: Optional[Flask] = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Register the extension on ``app`` (the application-factory pattern)."""
        app.config.setdefault("AILOOP_SERVER_URL", None)
        app.config.setdefault("AILOOP_TOKEN", None)
        app.config.setdefault("AILOOP_CHANNEL", "public")
        holder = _ClientHolder(app.config)
        app.extensions["ailoop"] = holder
        # Flask has no "app stopped" hook: close the client when the process exits.
        atexit.register(holder.close)

    @property
    def client(self) -> AiloopClient:
        """The current app's client (inside a request or an app context)."""
        return self._holder(current_app).get()

    def close(self, app: Optional[Flask] = None) -> None:
        """Close ``app``'s client (default: the current app); the next use makes a new one."""
        holder = self._holder(app if app is not None else current_app)
        atexit.unregister(holder.close)
        holder.close()

    @staticmethod
    def _holder(app: Flask) -> _ClientHolder:
        holder: _ClientHolder = app.extensions["ailoop"]
        return holder


ailoop_ext = FlaskAiloop()

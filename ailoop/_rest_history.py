"""The REST reads of the realtime engine, as raw JSON over the client's HTTP transport.

The engine seeds its de-duplication memory, catches up after a reconnect and polls for
responses through these three calls. They return decoded JSON objects, not models: most
of what they fetch is only compared by id, and decoding into dataclasses is left to the
few messages a caller or handler actually receives.
"""

import json
from typing import Any, List, Optional

from ailoop._http import HttpTransport, error_for_status, malformed_response
from ailoop._types import Frame
from ailoop._urls import quote_segment
from ailoop.exceptions import MalformedResponseError

__all__ = ["RestHistory"]


class RestHistory:
    """``HistoryAccess`` (see :mod:`ailoop._realtime`) over an :class:`HttpTransport`.

    Each call blocks for one HTTP round trip (GET retries included), at most the client's
    ``timeout``, and raises the usual :mod:`ailoop.exceptions` errors.
    """

    def __init__(self, http: HttpTransport) -> None:
        self._http = http

    def channel_names(self) -> List[str]:
        """``GET /api/channels``: the names of the channels that have history."""
        path = "/api/channels"
        channels = self._list(self._http.request("GET", path), "channels", path)
        names = (channel.get("name") for channel in channels if isinstance(channel, dict))
        return [name for name in names if isinstance(name, str)]

    def channel_history(self, channel: str, limit: int) -> List[Frame]:
        """``GET /api/channels/{channel}/messages?limit=N``: stored messages, oldest first."""
        path = f"/api/channels/{quote_segment(channel)}/messages"
        body = self._http.request("GET", path, params={"limit": str(limit)})
        items = self._list(body, "messages", path)
        return [item for item in items if isinstance(item, dict)]

    def find_message(self, message_id: str) -> Optional[Frame]:
        """``GET /api/v1/messages/{id}``: the stored message, or None on a 404."""
        path = f"/api/v1/messages/{message_id}"
        result = self._http.fetch("GET", path)
        if result.status == 404:
            return None
        if result.status >= 300:
            raise error_for_status(result, "GET", path, self._http.server)
        try:
            body = json.loads(result.body)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise self._malformed("a body that is not a stored message", path)
        return body

    def _list(self, body: Any, key: str, path: str) -> List[Any]:
        items = body.get(key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self._malformed("a document that is not an ailoop listing", path)
        return items

    def _malformed(self, what: str, path: str) -> MalformedResponseError:
        return malformed_response(self._http.server, what, "GET", path)

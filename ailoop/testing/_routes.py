"""HTTP routing with the real server's layering, status codes, bodies and extractor order.

Layers, outside in: fault rules (a stand-in for trouble in front of the server), the
base path (outside it: empty 404), then for ``v1`` the CORS layer (every ``OPTIONS`` is
answered 200 with an empty body; every response gets the ``vary`` header), token auth
(401 JSON), the route table (unknown path: JSON 404; wrong method: empty 405).  Each
handler runs its extractors in the real order: path, query, then the JSON body
(415 without a JSON content type, 400 for syntax, 422 for shape, 413 above 2 MiB).

``v0`` follows the warp era instead: every rejected non-GET request is 405 ``Method Not
Allowed``, an unknown GET path 404 ``Not Found``, ``GET /`` without an upgrade 500, no
``Content-Type`` requirement, no pending route, no CORS layer.
"""

import asyncio
import contextlib
import re
import socket
import struct
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
)
from urllib.parse import parse_qsl, unquote

from aiohttp import web

from ._clock import listing_timestamp
from ._faults import FaultBook, FaultRule, RecordedRequest, TrafficLog
from ._interaction import parse_unsigned
from ._state import ServerState
from ._websocket import WebSocketEndpoint, is_websocket_upgrade
from ._wire import (
    JsonSyntaxError,
    Parser,
    SchemaError,
    channel_error,
    decode_body,
    dumps,
    parse_add_dependency,
    parse_create_task,
    parse_response_request,
    parse_update_task,
    parse_uuid,
    uuid_error,
)

T = TypeVar("T")

VARY = "origin, access-control-request-method, access-control-request-headers"
BODY_LIMIT_BYTES = 2 * 1024 * 1024
DEFAULT_HISTORY_LIMIT = 100
_DIGITS = re.compile(r"\+?[0-9]+\Z")
_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"


def json_response(status: int, payload: Any = None, *, text: Optional[str] = None) -> web.Response:
    """A JSON response with exactly ``content-type: application/json``."""
    body = text if text is not None else dumps(payload)
    return web.Response(status=status, body=body.encode("utf-8"), headers={"Content-Type": _JSON})


def text_response(status: int, text: str) -> web.Response:
    """A ``text/plain; charset=utf-8`` response (framework rejections)."""
    return web.Response(status=status, body=text.encode("utf-8"), headers={"Content-Type": _TEXT})


def empty_response(status: int) -> web.Response:
    """A response with no body and no content type."""
    return web.Response(status=status)


class BareResponse(web.Response):
    """A response produced outside the CORS layer (fault rules, outside the base path)."""


class Rejection(Exception):
    """An extractor or handler refused the request; ``cause`` drives the v0 status mapping."""

    def __init__(self, cause: str, response: web.Response) -> None:
        super().__init__(cause)
        self.cause = cause
        self.response = response


Handler = Callable[[web.BaseRequest, ServerState, List[str]], Awaitable[web.StreamResponse]]


class Route(NamedTuple):
    """One path pattern (``{}`` marks a parameter segment) and its handlers by method."""

    pattern: Tuple[str, ...]
    handlers: Dict[str, Handler]
    shares_path_with_string_id: bool = False


def _match(routes: Sequence[Route], path: str) -> Optional[Tuple[Route, List[str]]]:
    segments = path[1:].split("/")
    for route in routes:
        if len(route.pattern) != len(segments):
            continue
        params: List[str] = []
        for expected, actual in zip(route.pattern, segments):
            if expected == "{}":
                if not actual:
                    break
                params.append(actual)
            elif expected != actual:
                break
        else:
            return route, params
    return None


def is_json_content_type(value: Optional[str]) -> bool:
    """axum's test: ``application/json`` or ``application/*+json``, parameters allowed."""
    if value is None:
        return False
    essence = value.split(";", 1)[0].strip().lower()
    kind, _, subtype = essence.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _reset(request: web.BaseRequest) -> None:
    transport = request.transport
    if transport is None:
        return
    raw = transport.get_extra_info("socket")
    if raw is not None:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


class HttpApi:
    """The request handler of one server run."""

    def __init__(
        self,
        *,
        state: ServerState,
        legacy: bool,
        version: str,
        tokens: Sequence[str],
        base_path: str,
        faults: FaultBook,
        log: TrafficLog,
        websockets: WebSocketEndpoint,
        closing: asyncio.Event,
    ) -> None:
        self._closing = closing
        self._state = state
        self._legacy = legacy
        self._version = version
        self._tokens = frozenset(tokens)
        self._base_path = base_path
        self._faults = faults
        self._log = log
        self._websockets = websockets
        self._routes = self._route_table()

    def _route_table(self) -> List[Route]:
        routes = [
            Route(("",), {"GET": self._root}),
            Route(("api", "test"), {"POST": self._post_test}),
            Route(("api", "channels"), {"GET": self._get_channels}),
            Route(("api", "channels", "{}", "messages"), {"GET": self._get_channel_messages}),
            Route(("api", "channels", "{}", "stats"), {"GET": self._get_channel_stats}),
            Route(("api", "stats"), {"GET": self._get_stats}),
            Route(("api", "v1", "health"), {"GET": self._get_health}),
            Route(("api", "v1", "pending"), {"GET": self._get_pending}),
            Route(("api", "v1", "messages"), {"POST": self._post_message}),
            Route(("api", "v1", "messages", "{}"), {"GET": self._get_message}),
            Route(("api", "v1", "messages", "{}", "response"), {"POST": self._post_response}),
            Route(("api", "v1", "tasks"), {"POST": self._post_task, "GET": self._get_tasks}),
            Route(("api", "v1", "tasks", "ready"), {"GET": self._get_ready_tasks}),
            Route(("api", "v1", "tasks", "blocked"), {"GET": self._get_blocked_tasks}),
            Route(("api", "v1", "tasks", "{}"), {"GET": self._get_task, "PUT": self._put_task}),
            Route(
                ("api", "v1", "tasks", "{}", "dependencies"),
                {"POST": self._post_dependency, "GET": self._get_dependencies},
                shares_path_with_string_id=True,
            ),
            Route(
                ("api", "v1", "tasks", "{}", "dependencies", "{}"),
                {"DELETE": self._delete_dependency},
            ),
            Route(("api", "v1", "tasks", "{}", "graph"), {"GET": self._get_graph}),
        ]
        if self._legacy:
            routes = [r for r in routes if r.pattern != ("api", "v1", "pending")]
        return routes

    async def on_prepare(self, request: web.BaseRequest, response: web.StreamResponse) -> None:
        """aiohttp ``on_response_prepare`` hook: the CORS layer's ``vary`` header (v1 only)."""
        if not self._legacy and not isinstance(response, BareResponse):
            response.headers["vary"] = VARY

    async def dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        """Entry point for every HTTP request (WebSocket handshakes included)."""
        self._log.add_request(RecordedRequest(request.method, request.raw_path, request.headers))
        path = request.rel_url.raw_path
        inner: Optional[str] = path
        if self._base_path:
            inner = path[len(self._base_path) :] if path.startswith(self._base_path + "/") else None
        rule = self._faults.take(request.method, (path,) if inner is None else (path, inner))
        if rule is not None:
            faulted = await self._apply_fault(request, rule)
            if faulted is not None:
                return faulted
        if inner is None:
            return BareResponse(status=404)
        if self._legacy:
            return await self._dispatch_legacy(request, inner)
        return await self._dispatch_current(request, inner)

    async def _apply_fault(
        self, request: web.BaseRequest, rule: FaultRule
    ) -> Optional[web.StreamResponse]:
        if rule.delay > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closing.wait(), rule.delay)
        if rule.reset or self._closing.is_set():
            _reset(request)
            return BareResponse(status=500)
        if rule.status is None:
            return None
        response = BareResponse(status=rule.status, body=rule.body.encode("utf-8"))
        if rule.content_type:
            response.headers["Content-Type"] = rule.content_type
        return response

    def _authorized(self, request: web.BaseRequest) -> bool:
        if not self._tokens:
            return True
        authorization = request.headers.get("Authorization")
        if authorization is not None and authorization.startswith("Bearer "):
            token: Optional[str] = authorization[len("Bearer ") :]
        else:
            token = request.headers.get("X-Api-Key")
        return token is not None and token in self._tokens

    async def _dispatch_current(self, request: web.BaseRequest, path: str) -> web.StreamResponse:
        if request.method == "OPTIONS":
            return empty_response(200)
        if not self._authorized(request):
            return json_response(401, {"error": "unauthorized"})
        matched = _match(self._routes, path)
        if matched is None:
            return json_response(404, {"error": "Not found"})
        route, params = matched
        method = "GET" if request.method == "HEAD" else request.method
        handler = route.handlers.get(method)
        if handler is None:
            response = empty_response(405)
            allowed = [
                m for name in route.handlers for m in ((name, "HEAD") if name == "GET" else (name,))
            ]
            response.headers["Allow"] = ",".join(allowed)
            return response
        try:
            return await handler(request, self._state, params)
        except Rejection as rejection:
            return rejection.response

    async def _dispatch_legacy(self, request: web.BaseRequest, path: str) -> web.StreamResponse:
        if not self._authorized(request):
            return json_response(401, {"error": "unauthorized"})
        is_get = request.method == "GET"
        matched = _match(self._routes, path)
        if matched is None:
            return text_response(404, "Not Found") if is_get else self._method_not_allowed()
        route, params = matched
        handler = route.handlers.get(request.method)
        if handler is None:
            return self._method_not_allowed()
        try:
            return await handler(request, self._state, params)
        except Rejection as rejection:
            if not is_get:
                return self._method_not_allowed()
            other_methods = len(route.handlers) > 1
            if rejection.cause == "query" and other_methods:
                return self._method_not_allowed()
            if rejection.cause == "path":
                if route.shares_path_with_string_id:
                    return self._method_not_allowed()
                return text_response(404, "Not Found")
            return text_response(500, "Internal Server Error")

    @staticmethod
    def _method_not_allowed() -> web.Response:
        return text_response(405, "Method Not Allowed")

    def _handler_error(self, status: int, payload: Dict[str, Any]) -> web.Response:
        """A JSON error from a handler; in the warp era it is a rejection instead."""
        if self._legacy:
            raise Rejection("handler", json_response(status, payload))
        return json_response(status, payload)

    # -- extractors ------------------------------------------------------------------

    @staticmethod
    def _path_text(raw: str) -> str:
        try:
            return unquote(raw, errors="strict")
        except UnicodeDecodeError:
            raise Rejection(
                "path", text_response(400, "Invalid URL: path segment is not valid UTF-8")
            ) from None

    def _path_uuid(self, raw: str, key: str = "id") -> str:
        text = self._path_text(raw)
        parsed = parse_uuid(text)
        if parsed is None:
            reason = f"Cannot parse `{key}` with value `{text}`: UUID parsing failed"
            raise Rejection(
                "path", text_response(400, f"Invalid URL: {reason}: {uuid_error(text)}")
            )
        return parsed

    @staticmethod
    def _query(request: web.BaseRequest, known: Sequence[str]) -> Dict[str, str]:
        fields: Dict[str, str] = {}
        for key, value in parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True):
            if key in known:
                if key in fields:
                    raise Rejection(
                        "query",
                        text_response(
                            400, f"Failed to deserialize query string: duplicate field `{key}`"
                        ),
                    )
                fields[key] = value
        return fields

    @staticmethod
    def _query_unsigned(fields: Dict[str, str], name: str) -> Optional[int]:
        if name not in fields:
            return None
        text = fields[name]
        value = parse_unsigned(text)
        if value is None:
            if not text:
                reason = "cannot parse integer from empty string"
            elif _DIGITS.match(text):
                reason = "number too large to fit in target type"
            else:
                reason = "invalid digit found in string"
            raise Rejection(
                "query",
                text_response(400, f"Failed to deserialize query string: {name}: {reason}"),
            )
        return value

    def _required_channel(self, request: web.BaseRequest) -> str:
        fields = self._query(request, ("channel", "state"))
        if "channel" not in fields:
            raise Rejection(
                "query",
                text_response(400, "Failed to deserialize query string: missing field `channel`"),
            )
        return fields["channel"]

    def _channel_or_public(self, request: web.BaseRequest) -> str:
        return self._query(request, ("channel",)).get("channel", "public")

    async def _json(self, request: web.BaseRequest, parse: Parser[T]) -> T:
        content_type = request.headers.get("Content-Type")
        if not is_json_content_type(content_type) and not (self._legacy and content_type is None):
            raise Rejection(
                "body", text_response(415, "Expected request with `Content-Type: application/json`")
            )
        body = await request.read()
        if len(body) > BODY_LIMIT_BYTES and not self._legacy:
            raise Rejection(
                "body",
                text_response(413, "Failed to buffer the request body: length limit exceeded"),
            )
        try:
            return decode_body(body, parse)
        except JsonSyntaxError as exc:
            raise Rejection(
                "body", text_response(400, f"Failed to parse the request body as JSON: {exc}")
            ) from None
        except SchemaError as exc:
            raise Rejection(
                "body",
                text_response(
                    422, f"Failed to deserialize the JSON body into the target type: {exc}"
                ),
            ) from None

    # -- handlers --------------------------------------------------------------------

    async def _root(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        if is_websocket_upgrade(request):
            socket = self._websockets.new_response()
            if socket.can_prepare(request).ok:
                return await self._websockets.serve(request, socket, state)
        if self._legacy:
            raise Rejection("upgrade", empty_response(400))
        return empty_response(404)

    async def _post_test(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        return json_response(200, {"test": "ok"})

    async def _get_channels(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channels = []
        for name in state.history.channels():
            stats = state.history.stats(name)
            channels.append(
                {
                    "name": name,
                    "message_count": stats.message_count,
                    "oldest_message": stats.oldest and listing_timestamp(stats.oldest),
                    "newest_message": stats.newest and listing_timestamp(stats.newest),
                }
            )
        return json_response(200, {"channels": channels})

    async def _get_channel_messages(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channel = self._path_text(params[0])
        fields = self._query(request, ("limit", "_offset"))
        limit = self._query_unsigned(fields, "limit")
        self._query_unsigned(fields, "_offset")
        messages = state.history.recent(channel, DEFAULT_HISTORY_LIMIT if limit is None else limit)
        body = (
            f'{{"channel":{dumps(channel)},"messages":[{",".join(m.text for m in messages)}],'
            f'"total_count":{len(messages)}}}'
        )
        return json_response(200, text=body)

    async def _get_channel_stats(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channel = self._path_text(params[0])
        stats = state.history.stats(channel)
        return json_response(
            200,
            {
                "channel": channel,
                "message_count": stats.message_count,
                "oldest_message": stats.oldest and listing_timestamp(stats.oldest),
                "newest_message": stats.newest and listing_timestamp(stats.newest),
            },
        )

    async def _get_stats(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        stats = state.hub.stats()
        return json_response(
            200,
            {
                "total_viewers": stats.total,
                "agent_connections": stats.agents,
                "viewer_connections": stats.viewers,
                "active_channels": stats.active_channels,
            },
        )

    async def _get_health(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        stats = state.hub.stats()
        return json_response(
            200,
            {
                "status": "healthy",
                "version": self._version,
                "active_connections": stats.total,
                "queue_size": 0 if self._legacy else len(state.registry.entries),
                "active_channels": stats.active_channels,
            },
        )

    async def _get_pending(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        wanted = self._query(request, ("channel",)).get("channel")
        if wanted is not None:
            problem = channel_error(wanted)
            if problem is not None:
                return json_response(400, {"error": problem})
        items = [
            {
                "message_id": entry.message.id,
                "kind": entry.kind,
                "channel": entry.channel,
                "position": position,
                "label": entry.label,
            }
            for position, entry in enumerate(state.registry.entries, start=1)
            if wanted is None or entry.channel == wanted
        ]
        return json_response(200, {"items": items, "total_count": len(items)})

    async def _post_message(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        data = await self._json(request, state.parse_message)
        if state.shutting_down and not self._legacy:
            return json_response(503, {"error": "server shutting down"})
        problem = channel_error(data["channel"])
        if problem is not None:
            return self._handler_error(400, {"error": problem})
        return json_response(201, text=state.post_message(data).text)

    async def _get_message(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        message_id = self._path_uuid(params[0])
        message = state.history.find(message_id)
        if message is None:
            return json_response(404, {"error": "Message not found", "message_id": message_id})
        return json_response(200, text=message.text)

    async def _post_response(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        message_id = self._path_uuid(params[0])
        answer, response_type = await self._json(request, parse_response_request)
        raw = state.post_response(message_id, answer, response_type)
        if raw is None:
            return json_response(
                404, {"error": "Original message not found", "message_id": message_id}
            )
        return json_response(200, text=raw.text)

    async def _post_task(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        body = await self._json(request, parse_create_task)
        task = state.tasks.create(
            body["channel"], body["title"], body["description"], body["assignee"], body["metadata"]
        )
        return json_response(201, task)

    async def _get_tasks(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channel = self._required_channel(request)
        wanted = self._query(request, ("state",)).get("state")
        state_filter = wanted if wanted in ("pending", "done", "abandoned") else None
        return self._task_list(channel, state.tasks.list(channel, state_filter))

    async def _get_ready_tasks(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channel = self._required_channel(request)
        return self._task_list(channel, state.tasks.ready(channel))

    async def _get_blocked_tasks(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        channel = self._required_channel(request)
        return self._task_list(channel, state.tasks.blocked(channel))

    @staticmethod
    def _task_list(channel: str, tasks: List[Dict[str, Any]]) -> web.Response:
        return json_response(200, {"channel": channel, "tasks": tasks, "total_count": len(tasks)})

    async def _get_task(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        task = state.tasks.get(self._channel_or_public(request), task_id)
        if task is None:
            return json_response(404, {"error": "Task not found", "task_id": task_id})
        return json_response(200, task)

    async def _put_task(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        channel = self._channel_or_public(request)
        new_state = await self._json(request, parse_update_task)
        task = state.tasks.update_state(channel, task_id, new_state)
        if task is None:
            return json_response(
                404, {"error": f"Task {task_id} not found in channel {channel}", "task_id": task_id}
            )
        return json_response(200, task)

    async def _post_dependency(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        channel = self._channel_or_public(request)
        parent_id, dependency_type = await self._json(request, parse_add_dependency)
        problem = state.tasks.add_dependency(channel, task_id, parent_id, dependency_type)
        if problem is not None:
            return self._handler_error(400, {"error": f"Failed to add dependency: {problem}"})
        return json_response(200, {"status": "ok"})

    async def _delete_dependency(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        dependency_id = self._path_uuid(params[1], "dep_id")
        state.tasks.remove_dependency(self._channel_or_public(request), task_id, dependency_id)
        return json_response(200, {"status": "ok"})

    async def _get_dependencies(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        task = state.tasks.get(self._channel_or_public(request), task_id)
        if task is None:
            return json_response(404, {"error": "Task not found", "task_id": task_id})
        return json_response(
            200,
            {
                "task_id": task_id,
                "depends_on": task["depends_on"],
                "blocking_for": task["blocking_for"],
            },
        )

    async def _get_graph(
        self, request: web.BaseRequest, state: ServerState, params: List[str]
    ) -> web.StreamResponse:
        task_id = self._path_uuid(params[0])
        graph = state.tasks.graph(self._channel_or_public(request), task_id)
        if graph is None:
            return json_response(404, {"error": f"Task {task_id} not found", "task_id": task_id})
        return json_response(200, graph)

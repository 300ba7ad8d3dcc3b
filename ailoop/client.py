"""The blocking ailoop client.

Threads and blocking, in short (each method's docstring says it again):

* Constructing a client does no I/O and starts no thread.
* Every method runs in the thread that calls it and blocks it for its network round
  trips: REST calls for at most ``timeout`` seconds (GET retries included), prompts for
  a WebSocket handshake (``timeout``) plus the echo (``echo_timeout``).
* One client may be shared by any number of threads: each thread gets its own HTTP
  session, each prompt its own short-lived WebSocket connection.
* ``close()`` may be called from any thread, any number of times; afterwards every
  method raises :class:`~ailoop.ClientClosedError`, and prompts still waiting for their
  echo are cut short with that error.
"""

import json
import logging
import math
import os
import threading
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Type, TypeVar, Union
from uuid import UUID

import ailoop
from ailoop._agent import AgentConnector
from ailoop._connection import ConnectionSettings, Verify
from ailoop._era import Era, EraDetector
from ailoop._http import HttpTransport
from ailoop._prompts import (
    PromptAttempt,
    PromptPlan,
    ask_plan,
    authorization_plan,
    decision_plan,
    navigate_plan,
    notification_message,
)
from ailoop._urls import parse_server_url, quote_segment
from ailoop._validation import (
    validate_channel,
    validate_choices,
    validate_decision_options,
    validate_priority,
    validate_prompt_timeout,
    validate_response_type,
    validate_text,
    validate_url,
    validate_uuid,
)
from ailoop.exceptions import ClientClosedError, DeliveryError, ValidationError
from ailoop.models import (
    ChannelInfo,
    ChannelStats,
    DecisionOption,
    DecisionRecommendation,
    DependencyType,
    HealthInfo,
    Message,
    NotificationPriority,
    PendingItem,
    ResponseType,
    ServerStats,
    Task,
    TaskDependencies,
    TaskGraph,
    TaskState,
)
from ailoop.models._wire import WireModel

__all__ = ["AiloopClient"]

logger = logging.getLogger("ailoop.client")

DEFAULT_SERVER_URL = "http://localhost:8080"
"""Used when neither ``server_url`` nor ``$AILOOP_SERVER_URL`` is given."""

SERVER_URL_VARIABLE = "AILOOP_SERVER_URL"
TOKEN_VARIABLE = "AILOOP_TOKEN"
_PROTOCOLS = {"auto": None, "v0": Era.V0, "v1": Era.V1}

M = TypeVar("M", bound=WireModel)
IdLike = Union[str, UUID]


class AiloopClient:
    """A blocking, thread-safe client for one ailoop server.

    ``server_url`` defaults to ``$AILOOP_SERVER_URL``, else ``http://localhost:8080``; it
    may carry a base path (``http://host:8080/hil``) and ``user:password@`` for a
    reverse proxy's Basic authentication. ``channel`` is the default channel of every
    method. ``timeout`` bounds each REST call and each WebSocket handshake, in seconds.
    ``reconnect_attempts`` and ``reconnect_delay`` govern the realtime stream.
    ``token`` (default ``$AILOOP_TOKEN``) is sent as ``Authorization: Bearer <token>``
    on every request and WebSocket handshake; it never appears in a repr, log or error.
    ``protocol`` is ``"auto"`` (detect the server's era when a prompt needs it), ``"v0"``
    (``question`` prompts, ailoop before v1.0.1) or ``"v1"`` (``decision`` prompts).
    ``verify`` is ``True`` (check TLS certificates against the default CA bundle:
    ``$REQUESTS_CA_BUNDLE``, ``$CURL_CA_BUNDLE`` or certifi's), a CA bundle file or
    directory, or ``False`` (no checking; logs a warning). Proxies come from the
    environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``), read once, for REST and
    WebSocket alike. ``echo_timeout`` is how long a prompt waits for the server's echo,
    its delivery receipt.

    Construction validates the arguments (:class:`~ailoop.ValidationError`), does no I/O
    and starts no thread. Use the client as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        server_url: Optional[str] = None,
        channel: str = "public",
        timeout: float = 30.0,
        reconnect_attempts: int = 5,
        reconnect_delay: float = 1.0,
        *,
        token: Optional[str] = None,
        protocol: str = "auto",
        verify: Verify = True,
        echo_timeout: float = 5.0,
    ) -> None:
        if server_url is None:
            server_url = os.environ.get(SERVER_URL_VARIABLE) or DEFAULT_SERVER_URL
        server = parse_server_url(server_url)
        if token is None:
            token = os.environ.get(TOKEN_VARIABLE) or None
        if token is not None and server.basic_auth is not None:
            raise ValidationError(
                "give either credentials in server_url or a token, not both (both would "
                "use the Authorization header)"
            )
        self._channel = validate_channel(channel)
        self._timeout = _positive_seconds(timeout, "timeout")
        self._echo_timeout = _positive_seconds(echo_timeout, "echo_timeout")
        self._reconnect_attempts = _count(reconnect_attempts, "reconnect_attempts")
        self._reconnect_delay = _seconds(reconnect_delay, "reconnect_delay")
        if protocol not in _PROTOCOLS:
            raise ValidationError(f"protocol must be 'auto', 'v0' or 'v1', got {protocol!r}")
        self._protocol = protocol
        self._settings = ConnectionSettings.build(
            server,
            timeout=self._timeout,
            token=_check_token(token),
            verify=_check_verify(verify),
            user_agent=f"ailoop-py/{ailoop.__version__}",
        )
        if verify is False:
            logger.warning(
                "TLS certificate verification is disabled for %s (verify=False)",
                server.base_url,
            )
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._http = HttpTransport(self._settings, self._closed)
        self._agent = AgentConnector(self._settings, self._closed)
        self._era = EraDetector(self._http, _PROTOCOLS[protocol])

    # -- configuration ---------------------------------------------------------------

    @property
    def server_url(self) -> str:
        """The server's REST root (base path included, credentials left out)."""
        return self._settings.server.base_url

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint, ``ws(s)://host:port{base}/``."""
        return self._settings.server.ws_url

    @property
    def channel(self) -> str:
        """The default channel."""
        return self._channel

    @property
    def timeout(self) -> float:
        """Seconds allowed for each REST call and WebSocket handshake."""
        return self._timeout

    @property
    def echo_timeout(self) -> float:
        """Seconds a prompt waits for the server's echo before :class:`~ailoop.DeliveryError`."""
        return self._echo_timeout

    @property
    def reconnect_attempts(self) -> int:
        """Consecutive failed reconnects after which the realtime stream gives up."""
        return self._reconnect_attempts

    @property
    def reconnect_delay(self) -> float:
        """Base delay of the realtime stream's reconnect backoff, in seconds."""
        return self._reconnect_delay

    @property
    def protocol(self) -> str:
        """The ``protocol`` argument: ``"auto"``, ``"v0"`` or ``"v1"``."""
        return self._protocol

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<AiloopClient {self.server_url!r} channel={self._channel!r}{state}>"

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Release the client's connections; idempotent, callable from any thread.

        Closes every thread's HTTP session and cuts prompts still waiting for their echo
        (their callers get :class:`~ailoop.ClientClosedError`). A REST call already in
        flight finishes (bounded by ``timeout``). Afterwards every method raises
        :class:`~ailoop.ClientClosedError`.
        """
        with self._close_lock:
            if self._closed.is_set():
                return
            self._closed.set()
        self._agent.abort_all()
        self._http.close()
        logger.debug("client for %s closed", self.server_url)

    def __enter__(self) -> "AiloopClient":
        """Return the client itself; the ``with`` block ends with :meth:`close`."""
        self._check_open()
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        """Close the client."""
        self.close()

    # -- prompts -------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        channel: Optional[str] = None,
        timeout: Optional[float] = 60,
        choices: Optional[List[str]] = None,
    ) -> Message:
        """Ask a human a question and return the sent prompt as the server echoed it.

        ``timeout`` is the server-side ``timeout_seconds`` (rounded up; 0 or None = the
        server's default). With ``choices`` (at least two, unique ignoring case) the
        human picks one: v0 servers get a ``question``; v1 servers a ``decision`` with
        ``decision_id = "ask-" + <message id>`` whose options have the choice text as
        both id and label, so the resolved answer is the chosen text. Without choices
        the question is free text, which only v0 servers offer (v1:
        :class:`~ailoop.ValidationError`).

        Runs in the calling thread. Blocks for era detection on first use (REST, at most
        ``timeout`` per call), the WebSocket handshake (client ``timeout``) and the echo
        (``echo_timeout``). Raises :class:`~ailoop.DeliveryError` when no echo comes, and
        :class:`~ailoop.ClientClosedError` when the client is or gets closed.
        """
        self._check_open()
        text = validate_text(question, "question")
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        checked_choices = None if choices is None else validate_choices(choices)
        plan = ask_plan(self._era.era(), target, text, seconds, checked_choices)
        return self._send_prompt(plan)

    def ask_decision(  # noqa: PLR0917 - the positional order is the original SDK's
        self,
        decision_id: str,
        summary: str,
        options: List[Union[DecisionOption, str]],
        channel: Optional[str] = None,
        timeout: Optional[float] = None,
        context_markdown: Optional[str] = None,
        recommendation: Union[str, DecisionRecommendation, None] = None,
    ) -> Message:
        """Ask a human to pick one of ``options`` and return the sent decision as echoed.

        ``options`` are :class:`~ailoop.DecisionOption` objects or plain strings (id =
        label = the string): at least two, unique non-empty ids. ``recommendation`` is an
        option id or a :class:`~ailoop.DecisionRecommendation` naming one. ``timeout`` is
        the server-side ``timeout_seconds`` (rounded up; 0 or None = the server's
        default). Decisions exist on v1 servers only (v0: :class:`~ailoop.ValidationError`).

        Runs in the calling thread. Blocks for era detection on first use (REST), the
        WebSocket handshake (client ``timeout``) and the echo (``echo_timeout``). Raises
        :class:`~ailoop.DeliveryError` when no echo comes, and
        :class:`~ailoop.ClientClosedError` when the client is or gets closed.
        """
        self._check_open()
        checked_id = validate_text(decision_id, "decision_id")
        text = validate_text(summary, "summary")
        checked_options, checked_recommendation = validate_decision_options(options, recommendation)
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        if context_markdown is not None and not isinstance(context_markdown, str):
            raise ValidationError("context_markdown must be a string or None")
        plan = decision_plan(
            self._era.era(),
            target,
            decision_id=checked_id,
            summary=text,
            options=checked_options,
            timeout_seconds=seconds,
            context_markdown=context_markdown,
            recommendation=checked_recommendation,
        )
        return self._send_prompt(plan)

    def authorize(
        self,
        action: str,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        context: Any = None,
    ) -> Message:
        """Ask a human to approve ``action`` and return the sent prompt as echoed.

        ``context`` is any JSON value shown with the request. ``timeout`` is the
        server-side ``timeout_seconds`` (rounded up; 0 or None = the server's default); a
        server-side timeout is answered ``authorization_denied``.

        Runs in the calling thread. Blocks for the WebSocket handshake (client
        ``timeout``) and the echo (``echo_timeout``); needs no era detection. Raises
        :class:`~ailoop.DeliveryError` when no echo comes, and
        :class:`~ailoop.ClientClosedError` when the client is or gets closed.
        """
        self._check_open()
        text = validate_text(action, "action")
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        return self._send_prompt(
            authorization_plan(target, text, seconds, _json_value(context, "context"))
        )

    def navigate(self, url: str, channel: Optional[str] = None) -> Message:
        """Ask a human to open ``url`` and return the sent prompt as echoed.

        Runs in the calling thread. Blocks for the WebSocket handshake (client
        ``timeout``) and the echo (``echo_timeout``); needs no era detection. Raises
        :class:`~ailoop.DeliveryError` when no echo comes, and
        :class:`~ailoop.ClientClosedError` when the client is or gets closed.
        """
        self._check_open()
        checked_url = validate_url(url)
        return self._send_prompt(navigate_plan(self._target_channel(channel), checked_url))

    def _send_prompt(self, plan: PromptPlan) -> Message:
        """Deliver a prompt on a WebSocket agent connection; return the echoed Message.

        Every prompt method ends here, in the calling thread.
        """
        self._check_open()
        return self._deliver(plan)

    def _deliver(self, plan: PromptPlan) -> Message:
        """Try the attempts of ``plan`` in order until one is echoed.

        An echo that proves the server's era settles it; when the last attempt is not
        echoed either, its :class:`~ailoop.DeliveryError` carries the plan's hint.
        """
        for attempt in plan.attempts[:-1]:
            try:
                return self._deliver_attempt(attempt)
            except DeliveryError:
                logger.info(
                    "%s prompt %s was not echoed; trying the next form",
                    attempt.message.content_type,
                    attempt.message.id,
                )
        try:
            return self._deliver_attempt(plan.attempts[-1])
        except DeliveryError as exc:
            if not plan.no_echo_hint:
                raise
            raise DeliveryError(
                f"{exc.message}; {plan.no_echo_hint}", message_id=exc.message_id
            ) from exc

    def _deliver_attempt(self, attempt: PromptAttempt) -> Message:
        message = attempt.message
        echo = self._agent.deliver(message.to_wire(), message.id, self._echo_timeout)
        if attempt.proves is not None:
            self._era.settle(attempt.proves)
        return self._decode(Message, echo, None, None)

    # -- messages over HTTP ----------------------------------------------------------

    def say(
        self,
        message: str,
        channel: Optional[str] = None,
        priority: Union[NotificationPriority, str] = "normal",
    ) -> Message:
        """Post a notification (``POST /api/v1/messages``) and return the server's copy.

        ``priority`` is ``low``, ``normal``, ``high`` or ``urgent``. Notifications need no
        answer, so they go over HTTP; the returned Message is the server's 201 body.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        text = validate_text(message, "message")
        target = self._target_channel(channel)
        notification = notification_message(target, text, validate_priority(priority))
        path = "/api/v1/messages"
        return self._decode(Message, self._post(path, notification.to_wire()), "POST", path)

    def respond(
        self,
        original_message_id: IdLike,
        answer: Optional[str] = None,
        response_type: Union[ResponseType, str] = "text",
    ) -> Message:
        """Answer a prompt as the web UI does and return the stored (raw) response.

        Uses ``POST /api/v1/messages/{id}/response``, so it completes the prompt if the
        server is currently showing it. Answer decisions with the option id (or label, or
        1-based number). A successful call does not prove the prompt was completed.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.NotFoundError` for an unknown id
        and :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        message_id = validate_uuid(original_message_id, "original_message_id")
        if answer is not None and not isinstance(answer, str):
            raise ValidationError(f"answer must be a string or None, got {type(answer).__name__}")
        kind = validate_response_type(response_type)
        path = f"/api/v1/messages/{message_id}/response"
        body = self._post(path, {"answer": answer, "response_type": kind.value})
        return self._decode(Message, body, "POST", path)

    def get_message(self, message_id: IdLike) -> Message:
        """Fetch a stored message by id (``GET /api/v1/messages/{id}``).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.NotFoundError` for an unknown id and
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/v1/messages/{validate_uuid(message_id, 'message_id')}"
        return self._decode(Message, self._get(path), "GET", path)

    # -- server information ----------------------------------------------------------

    def check_version_compatibility(self) -> Dict[str, Any]:
        """Ask the server for its version and protocol era.

        Returns ``{"server_version", "client_version", "compatible", "health_data",
        "protocol"}``: ``protocol`` is ``"v0"``, ``"v1"``, or ``None`` while a
        v1.0.0-v1.0.3 server's era is unsettled (the first prompt settles it; such
        servers are still supported). ``compatible`` is true when the server's era is
        known and supported; two-port servers (before v0.1.41) are not.

        Runs in the calling thread; blocks for one or two HTTP round trips, each at most
        ``timeout`` seconds. Raises :class:`~ailoop.ConnectionError` for a two-port server
        reached on its WebSocket port, and :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        report = self._era.check()
        era = report.era
        return {
            "server_version": report.server_version,
            "client_version": ailoop.__version__,
            "compatible": report.supported and era is not None,
            "health_data": report.health,
            "protocol": None if era is None or era is Era.UNSETTLED else era.value,
        }

    def get_health(self) -> HealthInfo:
        """``GET /api/v1/health``: status, version and counters.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        return self._get_model(HealthInfo, "/api/v1/health")

    def get_stats(self) -> ServerStats:
        """``GET /api/stats``: WebSocket connection counts.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        return self._get_model(ServerStats, "/api/stats")

    def get_channels(self) -> List[ChannelInfo]:
        """``GET /api/channels``: the channels that have history.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = "/api/channels"
        return self._decode_list(ChannelInfo, self._get(path), "channels", path)

    def get_channel_messages(self, channel: str, limit: int = 100) -> List[Message]:
        """The last ``limit`` stored messages of ``channel``, oldest first.

        ``GET /api/channels/{channel}/messages?limit=N``; the server keeps at most 1000
        per channel, and an unknown channel gives an empty list.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/channels/{quote_segment(_history_channel(channel))}/messages"
        body = self._get(path, {"limit": str(_count(limit, "limit"))})
        return self._decode_list(Message, body, "messages", path)

    def get_channel_stats(self, channel: str) -> ChannelStats:
        """``GET /api/channels/{channel}/stats``: message count and first/last timestamps.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/channels/{quote_segment(_history_channel(channel))}/stats"
        return self._get_model(ChannelStats, path)

    def get_pending(self, channel: Optional[str] = None) -> List[PendingItem]:
        """``GET /api/v1/pending``: the prompt the server is showing a human right now.

        Lists at most the one registered prompt (the server asks one at a time); prompts
        still queued are not listed, and ``channel`` (if given) filters. Servers before
        v1.0.8 have no such route (:class:`~ailoop.NotFoundError`).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        params = None if channel is None else {"channel": validate_channel(channel)}
        path = "/api/v1/pending"
        return self._decode_list(PendingItem, self._get(path, params), "items", path)

    # -- tasks -----------------------------------------------------------------------

    def create_task(
        self,
        title: str,
        description: str,
        channel: Optional[str] = None,
        assignee: Optional[str] = None,
        metadata: Any = None,
    ) -> Task:
        """Create a task in ``channel`` (``POST /api/v1/tasks``) and return it.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        if not isinstance(description, str):
            raise ValidationError("description must be a string")
        if assignee is not None and not isinstance(assignee, str):
            raise ValidationError("assignee must be a string or None")
        body = {
            "title": validate_text(title, "title"),
            "description": description,
            "channel": self._target_channel(channel),
            "assignee": assignee,
            "metadata": _json_value(metadata, "metadata"),
        }
        path = "/api/v1/tasks"
        return self._decode(Task, self._post(path, body), "POST", path)

    def get_task(self, task_id: IdLike, channel: Optional[str] = None) -> Task:
        """``GET /api/v1/tasks/{id}?channel=``; :class:`~ailoop.NotFoundError` if unknown.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}"
        return self._get_model(Task, path, self._channel_query(channel))

    def list_tasks(
        self, channel: Optional[str] = None, state: Union[TaskState, str, None] = None
    ) -> List[Task]:
        """The tasks of ``channel`` sorted by creation, optionally only those in ``state``.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        params = self._channel_query(channel)
        if state is not None:
            params["state"] = TaskState.parse(state, "state").value
        path = "/api/v1/tasks"
        return self._decode_list(Task, self._get(path, params), "tasks", path)

    def update_task(
        self, task_id: IdLike, state: Union[TaskState, str], channel: Optional[str] = None
    ) -> Task:
        """Set a task's state (``pending``, ``done``, ``abandoned``) and return the task.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.NotFoundError` for an unknown task
        and :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}"
        body = {"state": TaskState.parse(state, "state").value}
        params = self._channel_query(channel)
        return self._decode(
            Task, self._http.request("PUT", path, params=params, body=body), "PUT", path
        )

    def add_dependency(
        self,
        task_id: IdLike,
        depends_on: IdLike,
        type: Union[DependencyType, str] = "blocks",
        channel: Optional[str] = None,
    ) -> None:
        """Make task ``task_id`` depend on task ``depends_on`` (``blocks``, ``related``,
        ``parent``; every kind blocks the child until the parent is done).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.ValidationError` for an unknown
        task, a duplicate or a cycle, and :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        child = validate_uuid(task_id, "task_id")
        parent = validate_uuid(depends_on, "depends_on")
        body = {
            "child_id": str(child),
            "parent_id": str(parent),
            "dependency_type": DependencyType.parse(type, "type").value,
        }
        path = f"/api/v1/tasks/{child}/dependencies"
        self._post(path, body, self._channel_query(channel))

    def remove_dependency(
        self, task_id: IdLike, depends_on: IdLike, channel: Optional[str] = None
    ) -> None:
        """Remove the dependency of ``task_id`` on ``depends_on`` (no error if absent).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (never retried). Raises :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        child = validate_uuid(task_id, "task_id")
        parent = validate_uuid(depends_on, "depends_on")
        path = f"/api/v1/tasks/{child}/dependencies/{parent}"
        self._http.request("DELETE", path, params=self._channel_query(channel))

    def get_task_dependencies(
        self, task_id: IdLike, channel: Optional[str] = None
    ) -> TaskDependencies:
        """The ids ``task_id`` depends on (``GET /api/v1/tasks/{id}/dependencies``).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.NotFoundError` for an unknown task and
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}/dependencies"
        return self._get_model(TaskDependencies, path, self._channel_query(channel))

    def get_ready_tasks(self, channel: Optional[str] = None) -> List[Task]:
        """Tasks of ``channel`` with no unfinished parent (done tasks included).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        return self._task_list("/api/v1/tasks/ready", channel)

    def get_blocked_tasks(self, channel: Optional[str] = None) -> List[Task]:
        """Tasks of ``channel`` waiting for an unfinished parent.

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        return self._task_list("/api/v1/tasks/blocked", channel)

    def get_dependency_graph(self, task_id: IdLike, channel: Optional[str] = None) -> TaskGraph:
        """A task with its direct parents and children (``GET /api/v1/tasks/{id}/graph``).

        Runs in the calling thread; blocks for one HTTP round trip, at most ``timeout``
        seconds (transient failures retried within it). Raises
        :class:`~ailoop.NotFoundError` for an unknown task and
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}/graph"
        return self._get_model(TaskGraph, path, self._channel_query(channel))

    # -- helpers ---------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")

    def _target_channel(self, channel: Optional[str]) -> str:
        return self._channel if channel is None else validate_channel(channel)

    def _channel_query(self, channel: Optional[str]) -> Dict[str, str]:
        return {"channel": self._target_channel(channel)}

    def _get(self, path: str, params: Optional[Mapping[str, str]] = None) -> Any:
        return self._http.request("GET", path, params=params)

    def _post(self, path: str, body: Any, params: Optional[Mapping[str, str]] = None) -> Any:
        return self._http.request("POST", path, params=params, body=body)

    def _get_model(
        self, model: Type[M], path: str, params: Optional[Mapping[str, str]] = None
    ) -> M:
        self._check_open()
        return self._decode(model, self._get(path, params), "GET", path)

    def _task_list(self, path: str, channel: Optional[str]) -> List[Task]:
        self._check_open()
        body = self._get(path, self._channel_query(channel))
        return self._decode_list(Task, body, "tasks", path)

    def _decode(self, model: Type[M], body: Any, method: Optional[str], path: Optional[str]) -> M:
        try:
            return model.from_wire(body)
        except ValidationError as exc:
            raise self._undecodable(exc, method, path) from exc

    def _decode_list(self, model: Type[M], body: Any, key: str, path: str) -> List[M]:
        try:
            return model.from_wire_list(body, key)
        except ValidationError as exc:
            raise self._undecodable(exc, "GET", path) from exc

    def _undecodable(
        self, exc: ValidationError, method: Optional[str], path: Optional[str]
    ) -> ValidationError:
        return ValidationError(
            f"the server's answer could not be decoded: {exc.message}",
            method=method,
            path=None if path is None else self._settings.server.api_path(path),
        )


def _positive_seconds(value: Any, name: str) -> float:
    seconds = _seconds(value, name)
    if seconds == 0:
        raise ValidationError(f"{name} must be more than 0 seconds")
    return seconds


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(f"{name} must be a number of seconds, got {type(value).__name__}")
    seconds = float(value)
    if math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise ValidationError(f"{name} must be a finite, non-negative number, got {value!r}")
    if seconds > threading.TIMEOUT_MAX:
        raise ValidationError(f"{name} is too large: {value!r}")
    return seconds


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _check_token(token: Any) -> Optional[str]:
    if token is None:
        return None
    if not isinstance(token, str) or not token:
        raise ValidationError("token must be a non-empty string")
    if any(ord(char) < 33 or ord(char) > 126 for char in token):
        raise ValidationError(
            "token must consist of printable ASCII characters without spaces "
            "(it travels in an HTTP header)"
        )
    return token


def _check_verify(verify: Any) -> Verify:
    if isinstance(verify, bool):
        return verify
    path = os.fspath(verify) if isinstance(verify, (str, os.PathLike)) else None
    if not isinstance(path, str) or not path:
        raise ValidationError("verify must be True, False or the path of a CA bundle")
    if not os.path.exists(path):
        raise ValidationError(f"verify names a CA bundle that does not exist: {path!r}")
    return path


def _history_channel(channel: Any) -> str:
    """A channel to read history from: any non-empty string (other clients may have
    written to names the server would refuse on ``POST /api/v1/messages``)."""
    if not isinstance(channel, str) or not channel:
        raise ValidationError("channel must be a non-empty string")
    return channel


def _json_value(value: Any, name: str) -> Any:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} must be a JSON value: {exc}") from None
    return value

"""The blocking ailoop client: a thin facade over the parts that do the work.

Arguments are checked by :mod:`ailoop._validation` and settled into one
:class:`~ailoop._options.ClientOptions`; REST goes through :mod:`ailoop._http`, prompts
through :mod:`ailoop._prompts`, the realtime stream and waits through
:mod:`ailoop._realtime`. The realtime parts (:mod:`ailoop._realtime_parts`) are built at
their first use, so the import and REST calls never load them. How the client uses
threads, what blocks for how long and what it raises is described once, in
:class:`AiloopClient`'s docstring.
"""

import logging
import queue
import threading
import time
from types import TracebackType
from typing import (
    TYPE_CHECKING,
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    overload,
)

from ailoop import _fork
from ailoop._connection import DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_POOL_MAXSIZE, Verify
from ailoop._connection_state import ConnectionState
from ailoop._era import Era, EraDetector
from ailoop._http import HttpTransport
from ailoop._lazy import lazy_module
from ailoop._options import (
    DEFAULT_ASK_TIMEOUT,
    DEFAULT_AUTHORIZE_TIMEOUT,
    DEFAULT_CHANNEL,
    ClientOptions,
)
from ailoop._public import present_as
from ailoop._realtime_settings import CLOSE_TIMEOUT, DEFAULT_MAX_PENDING, StreamSettings
from ailoop._types import ConnectionHandler, F, HandlerErrorHook, IdLike, MessageHandler
from ailoop._urls import quote_segment
from ailoop._validation import (
    validate_channel,
    validate_choices,
    validate_count,
    validate_decision_options,
    validate_handler,
    validate_history_channel,
    validate_json_value,
    validate_optional_string,
    validate_priority,
    validate_prompt_timeout,
    validate_response_type,
    validate_string,
    validate_subscription,
    validate_text,
    validate_url,
    validate_uuid,
    validate_wait,
    validate_wait_timeout,
)
from ailoop._version import __version__
from ailoop.exceptions import (
    ApprovalDenied,
    ClientClosedError,
    MalformedResponseError,
    ValidationError,
)
from ailoop.models import (
    AuthorizationContent,
    ChannelInfo,
    ChannelStats,
    DecisionContent,
    DecisionOption,
    DecisionRecommendation,
    DependencyType,
    HealthInfo,
    Message,
    NavigateContent,
    NotificationPriority,
    PendingItem,
    QuestionContent,
    ResponseContent,
    ResponseType,
    ServerStats,
    Task,
    TaskDependencies,
    TaskGraph,
    TaskState,
)
from ailoop.models._wire import M

if TYPE_CHECKING:
    from ailoop import _approval, _human_tool, _prompts
    from ailoop._prompts import PromptPlan
    from ailoop._realtime import RealtimeEngine
    from ailoop._realtime_parts import ClientLinks, RealtimeParts
else:  # loaded at their first use: prompts and say(), approval gates, the human tool
    _approval = lazy_module("ailoop._approval")
    _human_tool = lazy_module("ailoop._human_tool")
    _prompts = lazy_module("ailoop._prompts")

__all__ = ["AiloopClient"]

logger = logging.getLogger("ailoop.client")


class AiloopClient:
    """A blocking, thread-safe client for one ailoop server.

    ``server_url`` defaults to ``$AILOOP_SERVER_URL``, else ``$AILOOP_SERVER`` (the
    variable the real ``ailoop`` command line reads), else ``http://localhost:8080``; it
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
    its delivery receipt: the prompt's handshake, send and echo all end within it.
    ``max_message_bytes`` (default 128 MiB) caps one REST body or WebSocket message: a
    larger one raises :class:`~ailoop.MessageTooLargeError` before it is held in memory
    (the default fits any message the server relays and a full 1,000-message history
    page). ``pool_maxsize`` (default 10) bounds the HTTP connections that all calling
    threads share; a call waits, within its ``timeout``, while all are busy.

    Realtime options: ``realtime=False`` is the pure-HTTP mode for places without
    WebSockets: prompts are then posted over HTTP (``POST /api/v1/messages``), which the
    server stores and shows in its web UI but never puts in front of its terminal or
    Telegram human, never times out and never answers canonically -- only a web-UI human
    sees them -- and waits poll the channel history. ``ping_interval`` (seconds, None = no
    pings) and ``ping_timeout``: the stream pings the server and treats a link silent for
    ``ping_interval + ping_timeout`` seconds as dead and reconnects. ``reconnect_attempts``
    and ``reconnect_delay`` set the reconnect backoff (exponential from
    ``reconnect_delay``, full jitter, capped at 30 s). ``max_pending_messages`` bounds the
    messages waiting for handlers (the oldest is dropped on overflow, see
    :attr:`dropped_messages`). ``on_handler_error(error, payload)`` is called on the
    dispatcher thread when a handler raises (the error is logged with its traceback
    anyway).

    Construction validates the arguments (:class:`~ailoop.ValidationError`), does no I/O
    and starts no thread. Use the client as a context manager, or call :meth:`close`.

    .. _threads-timeouts-errors:

    .. rubric:: Threads, timeouts and errors

    Every method runs in the thread that calls it; one client may be shared by any
    number of threads (they share at most ``pool_maxsize`` HTTP connections; each prompt
    opens its own short-lived WebSocket connection). Each method's docstring names its
    kind of blocking, with the terms below.

    * **REST read** (``get_*``, ``list_tasks``): one HTTP round trip of at most
      ``timeout`` seconds in all, however slowly the server answers; connection failures
      and 502/503/504 are retried with backoff within that budget.
    * **REST write** (``say``, ``respond``, task changes): one HTTP round trip of at most
      ``timeout`` seconds, never retried.
    * **Prompt** (``ask``, ``ask_decision``, ``authorize``, ``navigate``): era detection
      on first use where the prompt's form depends on it (REST reads), the realtime
      stream connected (started if needed; at most ``timeout``), the WebSocket handshake
      and the server's echo (together at most ``echo_timeout``, the handshake alone at
      most ``timeout``) and the stream's sighting of
      the prompt (at most ``echo_timeout`` more). No echo raises
      :class:`~ailoop.DeliveryError`. The method returns the prompt as echoed; with
      ``wait=True`` it then blocks until the prompt's *final* response (see
      :meth:`wait_for_response`) and returns that instead. ``wait_timeout`` (counted from
      the delivery) bounds that wait: past it :class:`~ailoop.TimeoutError` is raised,
      never an approval; without it the call waits until the answer or :meth:`close`
      (the server's own ``timeout`` normally ends it first).
    * **Wait** (:meth:`wait_for_response`, ``wait=True``): blocks on an event the network
      thread sets, until the final response, its deadline or :meth:`close`. Any number
      of threads may wait at once. Called in a message or connection handler it raises
      ``RuntimeError`` (it would block the thread that delivers the answer).
    * **Immediate** (subscriptions, handlers, queues, properties): thread-safe and
      returns at once.

    Threads of the client's own: none at import or construction. The network thread
    ``ailoop-stream`` (daemon) owns the one long-lived viewer connection; it starts with
    :meth:`connect_websocket`, a prompt or a wait. The dispatcher thread
    ``ailoop-dispatch`` (daemon) runs message and connection handlers and feeds message
    queues; it starts with the first handler or queue. User code never runs on the
    network thread, so a slow handler never delays the socket, its pings or a waiting
    caller. A forked child (gunicorn ``--preload``, ``multiprocessing`` with ``fork``)
    starts its own threads, sockets and sessions lazily and never touches the parent's.

    Durations: every argument in seconds (``timeout``, ``echo_timeout``,
    ``reconnect_delay``, ``ping_interval``, ``ping_timeout``, ``wait_timeout``,
    :meth:`wait_for_response`'s ``timeout``) follows one rule: a real number (``int``,
    ``float``, :class:`fractions.Fraction`, ...; not ``bool``), finite and not negative,
    and a value above ten years is treated as ten years ("no deadline"). A prompt's
    ``timeout`` is the server-side ``timeout_seconds``: the same rule, rounded up to
    whole seconds, at most 4294967295, and 0 or None for the server's default.

    Errors: bad arguments raise :class:`~ailoop.ValidationError` before anything is sent.
    Every method raises :class:`~ailoop.ClientClosedError` once the client is closed,
    and a prompt or wait blocked at that moment is woken with it. Network and server
    failures raise :class:`~ailoop.ConnectionError`,
    :class:`~ailoop.AuthenticationError`, :class:`~ailoop.NotFoundError` (unknown id),
    :class:`~ailoop.ServerError` or :class:`~ailoop.TimeoutError` (see :doc:`errors`).
    """

    def __init__(
        self,
        server_url: Optional[str] = None,
        channel: str = DEFAULT_CHANNEL,
        timeout: float = 30.0,
        reconnect_attempts: int = StreamSettings.reconnect_attempts,
        reconnect_delay: float = StreamSettings.reconnect_delay,
        *,
        token: Optional[str] = None,
        protocol: str = "auto",
        verify: Verify = True,
        echo_timeout: float = 5.0,
        realtime: bool = True,
        ping_interval: Optional[float] = StreamSettings.ping_interval,
        ping_timeout: float = StreamSettings.ping_timeout,
        max_pending_messages: int = DEFAULT_MAX_PENDING,
        on_handler_error: Optional[HandlerErrorHook] = None,
        max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
        pool_maxsize: int = DEFAULT_POOL_MAXSIZE,
    ) -> None:
        self._options = ClientOptions.build(
            server_url=server_url,
            channel=channel,
            timeout=timeout,
            reconnect_attempts=reconnect_attempts,
            reconnect_delay=reconnect_delay,
            token=token,
            protocol=protocol,
            verify=verify,
            echo_timeout=echo_timeout,
            realtime=realtime,
            ping_interval=ping_interval,
            ping_timeout=ping_timeout,
            max_pending_messages=max_pending_messages,
            on_handler_error=on_handler_error,
            max_message_bytes=max_message_bytes,
            pool_maxsize=pool_maxsize,
        )
        if verify is False:
            logger.warning(
                "TLS certificate verification is disabled for %s (verify=False)",
                self.server_url,
            )
        self._closed = threading.Event()
        self._close_lock = threading.Lock()
        self._build_rest_parts(None)
        self._parts_lock = threading.Lock()
        self._parts: Optional[RealtimeParts] = None  # built by the first realtime use
        _fork.track(self)

    # -- configuration ---------------------------------------------------------------

    @property
    def server_url(self) -> str:
        """The server's REST root (base path included, credentials left out)."""
        return self._options.connection.server.base_url

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint, ``ws(s)://host:port{base}/``."""
        return self._options.connection.server.ws_url

    @property
    def channel(self) -> str:
        """The default channel."""
        return self._options.channel

    @property
    def timeout(self) -> float:
        """Seconds allowed for each REST call and WebSocket handshake."""
        return self._options.timeout

    @property
    def echo_timeout(self) -> float:
        """Seconds a prompt waits for the server's echo before :class:`~ailoop.DeliveryError`."""
        return self._options.echo_timeout

    @property
    def reconnect_attempts(self) -> int:
        """Consecutive failed reconnects after which the realtime stream gives up."""
        return self._options.reconnect_attempts

    @property
    def reconnect_delay(self) -> float:
        """Base delay of the realtime stream's reconnect backoff, in seconds."""
        return self._options.reconnect_delay

    @property
    def protocol(self) -> str:
        """The ``protocol`` argument: ``"auto"``, ``"v0"`` or ``"v1"``."""
        return self._options.protocol

    @property
    def realtime(self) -> bool:
        """The ``realtime`` argument: False means prompts over HTTP and polling waits."""
        return self._options.realtime

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<AiloopClient {self.server_url!r} channel={self.channel!r}{state}>"

    # -- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Release the client's threads and connections.

        Idempotent and callable from any thread -- a message or connection handler
        included -- and from several threads at once. Wakes every thread blocked in
        :meth:`wait_for_response` (or a ``wait=True`` prompt) with
        :class:`~ailoop.ClientClosedError`, cuts prompts still waiting for their echo
        (same error), stops the network and dispatcher threads and joins them: every
        caller returns within about 2 seconds (a handler that calls ``close()`` returns
        at once; its dispatcher thread ends when the handler returns). Messages still
        queued for handlers are discarded. Cuts the REST calls in flight (they raise
        :class:`~ailoop.ClientClosedError`) and closes every HTTP connection. Afterwards
        every method raises :class:`~ailoop.ClientClosedError`.
        """
        with self._close_lock:
            first = not self._closed.is_set()
            self._closed.set()
        parts = self._built_parts()  # parts built from now on see the client closed
        deadline = time.monotonic() + CLOSE_TIMEOUT
        if first:
            if parts is not None:
                parts.opener.close(CLOSE_TIMEOUT)
            self._http.close()
        if parts is not None:
            parts.engine.close(max(0.0, deadline - time.monotonic()))
        if first:
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

    @overload
    def ask(
        self,
        question: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        choices: Optional[List[str]] = ...,
        *,
        wait: Literal[True],
        wait_timeout: Optional[float] = ...,
    ) -> Message[ResponseContent]: ...

    @overload
    def ask(
        self,
        question: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        choices: Optional[List[str]] = ...,
        *,
        wait: Literal[False] = ...,
        wait_timeout: None = ...,
    ) -> Message[Union[QuestionContent, DecisionContent]]: ...

    @overload
    def ask(
        self,
        question: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        choices: Optional[List[str]] = ...,
        *,
        wait: bool = ...,
        wait_timeout: Optional[float] = ...,
    ) -> Message[Union[QuestionContent, DecisionContent, ResponseContent]]: ...

    def ask(
        self,
        question: str,
        channel: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_ASK_TIMEOUT,
        choices: Optional[List[str]] = None,
        *,
        wait: bool = False,
        wait_timeout: Optional[float] = None,
    ) -> Message:
        """Ask a human a question and return the sent prompt as the server echoed it.

        ``timeout`` is the server-side ``timeout_seconds`` (rounded up; 0 or None = the
        server's default). With ``choices`` (at least two, unique ignoring case) the
        human picks one: v0 servers get a ``question``; v1 servers a ``decision`` with
        ``decision_id = "ask-" + <message id>`` whose options have the choice text as
        both id and label, so the resolved answer is the chosen text. Without choices
        the question is free text, which only v0 servers offer (v1:
        :class:`~ailoop.ValidationError`).

        ``wait`` and ``wait_timeout``: see *Prompt* in :ref:`threads-timeouts-errors`.

        The final answer to a question with choices is the chosen choice's text, whatever
        the era and however the human typed it (label, number).

        Blocking: a prompt (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        waiting = validate_wait(wait, wait_timeout)
        text = validate_text(question, "question")
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        checked_choices = None if choices is None else validate_choices(choices)
        plan = _prompts.ask_plan(self._era.era(), target, text, seconds, checked_choices)
        return self._send_prompt(plan, waiting)

    @overload
    def ask_decision(
        self,
        decision_id: str,
        summary: str,
        options: Sequence[Union[DecisionOption, str]],
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context_markdown: Optional[str] = ...,
        recommendation: Union[str, DecisionRecommendation, None] = ...,
        *,
        wait: Literal[True],
        wait_timeout: Optional[float] = ...,
    ) -> Message[ResponseContent]: ...

    @overload
    def ask_decision(
        self,
        decision_id: str,
        summary: str,
        options: Sequence[Union[DecisionOption, str]],
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context_markdown: Optional[str] = ...,
        recommendation: Union[str, DecisionRecommendation, None] = ...,
        *,
        wait: Literal[False] = ...,
        wait_timeout: None = ...,
    ) -> Message[DecisionContent]: ...

    @overload
    def ask_decision(
        self,
        decision_id: str,
        summary: str,
        options: Sequence[Union[DecisionOption, str]],
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context_markdown: Optional[str] = ...,
        recommendation: Union[str, DecisionRecommendation, None] = ...,
        *,
        wait: bool = ...,
        wait_timeout: Optional[float] = ...,
    ) -> Message[Union[DecisionContent, ResponseContent]]: ...

    def ask_decision(  # noqa: PLR0917 - the positional order is the original SDK's
        self,
        decision_id: str,
        summary: str,
        options: Sequence[Union[DecisionOption, str]],
        channel: Optional[str] = None,
        timeout: Optional[float] = None,
        context_markdown: Optional[str] = None,
        recommendation: Union[str, DecisionRecommendation, None] = None,
        *,
        wait: bool = False,
        wait_timeout: Optional[float] = None,
    ) -> Message:
        """Ask a human to pick one of ``options`` and return the sent decision as echoed.

        ``options`` are :class:`~ailoop.DecisionOption` objects or plain strings (id =
        label = the string): at least two, unique non-empty ids. ``recommendation`` is an
        option id or a :class:`~ailoop.DecisionRecommendation` naming one. ``timeout`` is
        the server-side ``timeout_seconds`` (rounded up; 0 or None = the server's
        default). Decisions exist on v1 servers only (v0: :class:`~ailoop.ValidationError`).

        ``wait`` and ``wait_timeout``: see *Prompt* in :ref:`threads-timeouts-errors`.

        The final answer carries the chosen option's id in ``content.answer`` and
        ``metadata = {"option_id", "label", "index"}``.

        Blocking: a prompt (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        waiting = validate_wait(wait, wait_timeout)
        checked_id = validate_text(decision_id, "decision_id")
        text = validate_text(summary, "summary")
        checked_options, checked_recommendation = validate_decision_options(options, recommendation)
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        markdown = validate_optional_string(context_markdown, "context_markdown")
        plan = _prompts.decision_plan(
            self._era.era(),
            target,
            decision_id=checked_id,
            summary=text,
            options=checked_options,
            timeout_seconds=seconds,
            context_markdown=markdown,
            recommendation=checked_recommendation,
        )
        return self._send_prompt(plan, waiting)

    @overload
    def authorize(
        self,
        action: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context: Any = ...,
        *,
        wait: Literal[True],
        wait_timeout: Optional[float] = ...,
    ) -> Message[ResponseContent]: ...

    @overload
    def authorize(
        self,
        action: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context: Any = ...,
        *,
        wait: Literal[False] = ...,
        wait_timeout: None = ...,
    ) -> Message[AuthorizationContent]: ...

    @overload
    def authorize(
        self,
        action: str,
        channel: Optional[str] = ...,
        timeout: Optional[float] = ...,
        context: Any = ...,
        *,
        wait: bool = ...,
        wait_timeout: Optional[float] = ...,
    ) -> Message[Union[AuthorizationContent, ResponseContent]]: ...

    def authorize(
        self,
        action: str,
        channel: Optional[str] = None,
        timeout: Optional[float] = DEFAULT_AUTHORIZE_TIMEOUT,
        context: Any = None,
        *,
        wait: bool = False,
        wait_timeout: Optional[float] = None,
    ) -> Message:
        """Ask a human to approve ``action`` and return the sent prompt as echoed.

        ``context`` is any JSON value shown with the request. ``timeout`` is the
        server-side ``timeout_seconds`` (rounded up; 0 or None = the server's default); a
        server-side timeout is answered ``authorization_denied``.

        ``wait`` and ``wait_timeout``: see *Prompt* in :ref:`threads-timeouts-errors`.

        The final ``content.response_type`` is ``"authorization_approved"`` or
        ``"authorization_denied"`` (a server-side timeout arrives as denied).

        Blocking: a prompt, without era detection (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        waiting = validate_wait(wait, wait_timeout)
        text = validate_text(action, "action")
        target = self._target_channel(channel)
        seconds = validate_prompt_timeout(timeout)
        checked_context = validate_json_value(context, "context")
        return self._send_prompt(
            _prompts.authorization_plan(target, text, seconds, checked_context), waiting
        )

    @overload
    def navigate(
        self,
        url: str,
        channel: Optional[str] = ...,
        *,
        wait: Literal[True],
        wait_timeout: Optional[float] = ...,
    ) -> Message[ResponseContent]: ...

    @overload
    def navigate(
        self,
        url: str,
        channel: Optional[str] = ...,
        *,
        wait: Literal[False] = ...,
        wait_timeout: None = ...,
    ) -> Message[NavigateContent]: ...

    @overload
    def navigate(
        self,
        url: str,
        channel: Optional[str] = ...,
        *,
        wait: bool = ...,
        wait_timeout: Optional[float] = ...,
    ) -> Message[Union[NavigateContent, ResponseContent]]: ...

    def navigate(
        self,
        url: str,
        channel: Optional[str] = None,
        *,
        wait: bool = False,
        wait_timeout: Optional[float] = None,
    ) -> Message:
        """Ask a human to open ``url`` and return the sent prompt as echoed.

        ``wait`` and ``wait_timeout``: see *Prompt* in :ref:`threads-timeouts-errors`.

        The final ``content.response_type`` is ``"authorization_approved"`` (the server
        opens the URL on its host) or ``"authorization_denied"``; an unanswered
        navigation is re-asked by the server after its default timeout, forever.

        Blocking: a prompt, without era detection (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        waiting = validate_wait(wait, wait_timeout)
        checked_url = validate_url(url)
        return self._send_prompt(
            _prompts.navigate_plan(self._target_channel(channel), checked_url),
            waiting,
        )

    def _send_prompt(self, plan: "PromptPlan", waiting: Tuple[bool, Optional[float]]) -> Message:
        """Deliver ``plan`` (see :class:`~ailoop._prompts.PromptSender`)."""
        self._check_open()
        return self._realtime_parts().prompts.send(plan, *waiting)

    # -- realtime ------------------------------------------------------------------

    def wait_for_response(
        self, message_id: IdLike, timeout: Optional[float] = None
    ) -> Message[ResponseContent]:
        """Block until the *final* response to the prompt ``message_id`` and return it.

        A response is any message whose ``correlation_id`` is the prompt's id; which one
        is final depends on the prompt (PROTOCOL.md §7.10, §11 item 4):

        * decision: the server's canonical response (``answer`` = option id,
          ``metadata = {option_id, label, index}``), or a raw answer from the web UI that
          resolves to an option the way the server resolves it (trimmed; option id;
          label ignoring case; 1-based number) -- returned as a copy whose ``answer`` is
          the option id and whose ``metadata`` is ``{option_id, label, index}`` (for
          ``ask`` with choices the option id is the choice text). A ``timeout`` response
          and a null answer are final too; an answer that names no option is not (the
          server asks again).
        * question (v0 servers): any answer; one that names a choice comes back as the
          choice text (metadata ``{option_id, label, index, value}``).
        * authorization: ``authorization_approved`` or ``authorization_denied`` (a
          server-side timeout arrives as denied); navigate: approved or denied.
        * ``cancelled`` is never final: the server puts the prompt back in its queue and
          asks again (that is also what a navigation's server-side timeout yields).

        ``timeout`` is the client-side deadline in seconds; None waits until a final
        response or :meth:`close`. At the deadline :class:`~ailoop.TimeoutError` is
        raised, carrying ``.last_response`` (the latest non-final response, if any). A
        client-side timeout never means approval.

        Answers are found whichever way the human gave them: pushed frames on the
        realtime stream wake the caller at once (no polling delay); the channel history
        is read when the wait starts and after every reconnect, so a web-UI answer given
        while the client was disconnected is not lost; while no stream runs
        (``realtime=False``, after the stream gave up, or after
        :meth:`disconnect_websocket`) the history is polled about once a second. One gap
        remains, and no client can close it: an answer given on the server's terminal
        or Telegram, or a server-side timeout, produces only a broadcast (the server
        never stores it), so if it is broadcast while this client has no connection it
        cannot be recovered -- the wait then ends at its deadline with
        :class:`~ailoop.TimeoutError` (send the prompt again to ask anew).

        Blocking: a wait (:ref:`threads-timeouts-errors`); it starts the realtime stream unless
        ``realtime=False``, without waiting for it to connect. Raises
        :class:`~ailoop.DeliveryError` at once when the server proves it lost the prompt
        (a 404 while the prompt's channel holds fewer than 1,000 messages: it restarted),
        :class:`~ailoop.NotFoundError` for an id the server never had and
        :class:`~ailoop.MalformedResponseError` for a final response that cannot be read
        (never an approval).
        """
        self._check_open()
        prompt_id = str(validate_uuid(message_id, "message_id"))
        deadline = validate_wait_timeout(timeout, "timeout")
        response: Message[ResponseContent] = self._engine().wait(
            prompt_id, deadline, use_stream=self._options.realtime
        )
        return response

    def connect_websocket(self) -> None:
        """Start the realtime stream (if it is not running) and block until it is connected.

        The network thread (``ailoop-stream``, daemon) opens one viewer connection to
        :attr:`ws_url`, sends the hello frame ``{"subscribe": "*"}`` and, after an earlier
        connection, catches up from the channel history before reporting ``CONNECTED``.
        It then keeps the connection alive (pings) and reconnects after a drop. Prompts
        waits, handlers, queues and subscriptions start the stream by themselves; call
        this to fail early.

        Blocks at most ``timeout`` seconds; idempotent. Raises
        :class:`~ailoop.AuthenticationError` (401/403 on the handshake) or
        :class:`~ailoop.ConnectionError` when the first connection fails (the stream then
        reports ``GAVE_UP`` and stops; call again to retry). Also works with
        ``realtime=False``: waits then use the stream while it runs.
        """
        self._check_open()
        self._engine().connect()

    def disconnect_websocket(self) -> None:
        """Stop the realtime stream and join its thread (within 2 seconds).

        Handlers stay registered and receive nothing until the stream starts again
        (:meth:`connect_websocket`, a prompt or a wait); the next connection catches up on
        what was stored meanwhile. Threads blocked in :meth:`wait_for_response` go on by
        polling the channel history. Callable from any thread, a handler included;
        idempotent, and harmless after :meth:`close`.
        """
        if self._closed.is_set():
            return
        parts = self._built_parts()
        if parts is not None:  # else no stream ever ran
            parts.engine.disconnect()

    def subscribe_to_channel(self, channel: str) -> None:
        """Deliver messages of ``channel`` to handlers and queues (``"*"``: every channel).

        The server sends every channel to the stream and ignores channel lists, so the
        subscriptions are kept and applied here; the default is ``{client.channel}``.
        Thread-safe; survives reconnects; takes effect for the next message received.
        Starts the realtime stream like :meth:`add_message_handler`.
        Raises :class:`~ailoop.ValidationError` for an empty name and
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        self._engine().subscribe(validate_subscription(channel))

    def unsubscribe_from_channel(self, channel: str) -> None:
        """Stop delivering messages of ``channel`` (``"*"`` removes the every-channel
        subscription, not the named ones); no-op when not subscribed.

        Thread-safe. Waits for responses are not affected: they see every channel.
        Raises :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        self._engine().unsubscribe(validate_subscription(channel))

    @property
    def subscriptions(self) -> List[str]:
        """The subscribed channels, sorted (``"*"`` stands for every channel)."""
        parts = self._built_parts()
        return [self.channel] if parts is None else sorted(parts.engine.subscriptions)

    def add_message_handler(self, handler: MessageHandler) -> None:
        """Call ``handler(message)`` for every new message of a subscribed channel.

        Handlers run one at a time on the dispatcher thread (``ailoop-dispatch``, started
        with the first handler or queue), in the server's order, each message decoded
        into a :class:`~ailoop.Message` (unknown content types as
        :class:`~ailoop.UnknownContent`). Only live traffic is delivered: the history the
        server replays on the first connection is not, while messages missed during a
        reconnect are delivered once. Registering starts the realtime stream (unless
        ``realtime=False``) and returns once it is connected. A handler that raises is
        logged with its traceback and reported to ``on_handler_error``; delivery goes
        on. A slow handler delays only later handler calls: if more than
        ``max_pending_messages`` messages pile up, the oldest waiting one is dropped
        (see :attr:`dropped_messages`). A handler may call any client method except
        blocking waits. Thread-safe; raises
        :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        self._engine().add_message_handler(validate_handler(handler))

    def remove_message_handler(self, handler: MessageHandler) -> None:
        """Stop calling ``handler`` (no-op if it is not registered); a call already running
        finishes. Thread-safe; raises :class:`~ailoop.ClientClosedError` after
        :meth:`close`.
        """
        self._check_open()
        self._engine().remove_message_handler(handler)

    def message_queue(self, maxsize: int = 0) -> "queue.Queue[Message]":
        """A new ``queue.Queue`` receiving the same messages as handlers: the second way to
        consume the stream, for code that prefers to pull.

        The dispatcher thread puts each message after calling the handlers; with a
        ``maxsize`` a full queue loses its oldest item (counted in
        :attr:`dropped_messages`), so the stream never blocks on a slow consumer. Read it
        with ``get(timeout=...)`` in any thread. Starts the realtime stream like
        :meth:`add_message_handler`. Raises :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        limit = validate_count(maxsize, "maxsize")
        target: queue.Queue[Message] = self._engine().message_queue(limit)
        return target

    def add_connection_handler(self, handler: ConnectionHandler) -> None:
        """Call ``handler(event)`` with a :class:`~ailoop.ConnectionEvent` for every change of
        the realtime stream's state (:class:`~ailoop.ConnectionState`: ``CONNECTED``,
        ``DISCONNECTED``, ``RECONNECTING`` with the delay before the next attempt,
        ``GAVE_UP`` with the error).

        Runs on the dispatcher thread, in order with message handlers; wrapped like them.
        Thread-safe; raises :class:`~ailoop.ClientClosedError` after :meth:`close`.
        """
        self._check_open()
        self._engine().add_connection_handler(validate_handler(handler))

    @property
    def dropped_messages(self) -> int:
        """Messages dropped because handlers or a bounded :meth:`message_queue` fell behind
        (responses for waiting callers are never dropped).
        """
        parts = self._built_parts()
        return 0 if parts is None else parts.engine.dropped_messages

    @property
    def connection_state(self) -> ConnectionState:
        """The realtime stream's state: ``DISCONNECTED`` until it first connects and
        after it stopped, else the state it last reported.
        """
        parts = self._built_parts()
        return ConnectionState.DISCONNECTED if parts is None else parts.engine.state

    def _after_fork_in_child(self) -> None:
        """In a forked child: forget the parent's threads, sockets and sessions, and build
        fresh parts from the same options (the era already detected is kept)."""
        closed = threading.Event()
        if self._closed.is_set():
            closed.set()
        self._closed = closed
        self._close_lock = threading.Lock()
        self._build_rest_parts(self._era.known)
        self._parts_lock = threading.Lock()
        if self._parts is not None:
            self._parts = self._parts.forked_copy(self._links())

    def _build_rest_parts(self, era: Optional[Era]) -> None:
        """HTTP sessions and era detection, from the options."""
        self._http = HttpTransport(self._options.connection, self._closed)
        self._era = EraDetector(self._http, self._options.forced_era)
        if era is not None:
            self._era.settle(era)

    def _links(self) -> "ClientLinks":
        """What the realtime parts use of this client (its current REST parts)."""
        from ailoop._realtime_parts import ClientLinks  # noqa: PLC0415

        return ClientLinks(
            self._options, self._http, self._era, self._closed, self._post, self._decode_echo
        )

    def _realtime_parts(self) -> "RealtimeParts":
        """The WebSocket opener, realtime engine and prompt sender, built at the first
        call (:class:`~ailoop.ClientClosedError` once the client is closed).
        """
        parts = self._parts
        if parts is None:
            with self._parts_lock:
                self._check_open()  # close() reads the parts under this lock
                parts = self._parts
                if parts is None:
                    from ailoop._realtime_parts import RealtimeParts  # noqa: PLC0415

                    parts = RealtimeParts.build(self._links())
                    self._parts = parts
        return parts

    def _engine(self) -> "RealtimeEngine":
        return self._realtime_parts().engine

    def _built_parts(self) -> "Optional[RealtimeParts]":
        """The realtime parts if something built them already, else None."""
        with self._parts_lock:
            return self._parts

    def _decode_echo(self, body: Any) -> Message:
        return self._decode(Message, body, None, None)

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

        Blocking: a REST write (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        text = validate_text(message, "message")
        target = self._target_channel(channel)
        notification = _prompts.notification_message(target, text, validate_priority(priority))
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

        Blocking: a REST write (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.NotFoundError` for an unknown id.
        """
        self._check_open()
        message_id = validate_uuid(original_message_id, "original_message_id")
        text = validate_optional_string(answer, "answer")
        kind = validate_response_type(response_type)
        path = f"/api/v1/messages/{message_id}/response"
        body = self._post(path, {"answer": text, "response_type": kind.value})
        return self._decode(Message, body, "POST", path)

    def get_message(self, message_id: IdLike) -> Message:
        """Fetch a stored message by id (``GET /api/v1/messages/{id}``).

        Blocking: a REST read (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.NotFoundError` for an unknown id.
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

        Blocking: one or two REST reads (:ref:`threads-timeouts-errors`). Raises
        :class:`~ailoop.ConnectionError` for a two-port server reached on its WebSocket
        port.
        """
        self._check_open()
        report = self._era.check()
        era = report.era
        return {
            "server_version": report.server_version,
            "client_version": __version__,
            "compatible": report.supported and era is not None,
            "health_data": report.health,
            "protocol": None if era is None or era is Era.UNSETTLED else era.value,
        }

    def get_health(self) -> HealthInfo:
        """``GET /api/v1/health``: status, version and counters.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        return self._get_model(HealthInfo, "/api/v1/health")

    def get_stats(self) -> ServerStats:
        """``GET /api/stats``: WebSocket connection counts.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        return self._get_model(ServerStats, "/api/stats")

    def get_channels(self) -> List[ChannelInfo]:
        """``GET /api/channels``: the channels that have history.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        path = "/api/channels"
        return self._decode_list(ChannelInfo, self._get(path), "channels", path)

    def get_channel_messages(self, channel: str, limit: int = 100) -> List[Message]:
        """The last ``limit`` stored messages of ``channel``, oldest first.

        ``GET /api/channels/{channel}/messages?limit=N``; the server keeps at most 1000
        per channel, and an unknown channel gives an empty list.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        path = f"/api/channels/{quote_segment(validate_history_channel(channel))}/messages"
        body = self._get(path, {"limit": str(validate_count(limit, "limit"))})
        return self._decode_list(Message, body, "messages", path)

    def get_channel_stats(self, channel: str) -> ChannelStats:
        """``GET /api/channels/{channel}/stats``: message count and first/last timestamps.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        path = f"/api/channels/{quote_segment(validate_history_channel(channel))}/stats"
        return self._get_model(ChannelStats, path)

    def get_pending(self, channel: Optional[str] = None) -> List[PendingItem]:
        """``GET /api/v1/pending``: the prompt the server is showing a human right now.

        Lists at most the one registered prompt (the server asks one at a time); prompts
        still queued are not listed, and ``channel`` (if given) filters. Servers before
        v1.0.8 have no such route (:class:`~ailoop.NotFoundError`).

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
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

        Blocking: a REST write (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        body = {
            "title": validate_text(title, "title"),
            "description": validate_string(description, "description"),
            "channel": self._target_channel(channel),
            "assignee": validate_optional_string(assignee, "assignee"),
            "metadata": validate_json_value(metadata, "metadata"),
        }
        path = "/api/v1/tasks"
        return self._decode(Task, self._post(path, body), "POST", path)

    def get_task(self, task_id: IdLike, channel: Optional[str] = None) -> Task:
        """``GET /api/v1/tasks/{id}?channel=``; :class:`~ailoop.NotFoundError` if unknown.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}"
        return self._get_model(Task, path, self._channel_query(channel))

    def list_tasks(
        self, channel: Optional[str] = None, state: Union[TaskState, str, None] = None
    ) -> List[Task]:
        """The tasks of ``channel`` sorted by creation, optionally only those in ``state``.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
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

        Blocking: a REST write (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.NotFoundError` for an unknown task.
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

        Blocking: a REST write (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.ValidationError` for an unknown task, a duplicate or a cycle.
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

        Blocking: a REST write (:ref:`threads-timeouts-errors`).
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

        Blocking: a REST read (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.NotFoundError` for an unknown task.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}/dependencies"
        return self._get_model(TaskDependencies, path, self._channel_query(channel))

    def get_ready_tasks(self, channel: Optional[str] = None) -> List[Task]:
        """Tasks of ``channel`` with no unfinished parent (done tasks included).

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        return self._task_list("/api/v1/tasks/ready", channel)

    def get_blocked_tasks(self, channel: Optional[str] = None) -> List[Task]:
        """Tasks of ``channel`` waiting for an unfinished parent.

        Blocking: a REST read (:ref:`threads-timeouts-errors`).
        """
        return self._task_list("/api/v1/tasks/blocked", channel)

    def get_dependency_graph(self, task_id: IdLike, channel: Optional[str] = None) -> TaskGraph:
        """A task with its direct parents and children (``GET /api/v1/tasks/{id}/graph``).

        Blocking: a REST read (:ref:`threads-timeouts-errors`);
        :class:`~ailoop.NotFoundError` for an unknown task.
        """
        self._check_open()
        path = f"/api/v1/tasks/{validate_uuid(task_id, 'task_id')}/graph"
        return self._get_model(TaskGraph, path, self._channel_query(channel))

    # -- agents: approval gates and the human as a tool ----------------------------------

    @overload
    def require_approval(self, func: F, /) -> F: ...

    @overload
    def require_approval(
        self,
        func: None = None,
        /,
        *,
        action: Union[str, Callable[..., Any], None] = None,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        wait_timeout: Optional[float] = None,
        context: Any = None,
        redact: Iterable[str] = (),
        max_argument_chars: int = 200,
        on_denied: Union[str, Callable[[ApprovalDenied], Any]] = "raise",
    ) -> Callable[[F], F]: ...

    def require_approval(
        self,
        func: Optional[F] = None,
        /,
        *,
        action: Union[str, Callable[..., Any], None] = None,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        wait_timeout: Optional[float] = None,
        context: Any = None,
        redact: Iterable[str] = (),
        max_argument_chars: int = 200,
        on_denied: Union[str, Callable[[ApprovalDenied], Any]] = "raise",
    ) -> Union[F, Callable[[F], F]]:
        """Decorate a function so that it runs only after a person approves each call.

        Use it bare (``@client.require_approval``) or with options
        (``@client.require_approval(redact=("token",))``). Every call first sends an
        authorization (:meth:`authorize` with ``timeout``, ``channel`` and
        ``wait_timeout``) and waits for the decision; the function runs only when
        :func:`ailoop.approved` says yes. ``action`` is the text shown: by default the
        function's qualified name with its arguments, or a format string over the
        arguments (``"Delete {path}"``), or a callable receiving the call's arguments and
        returning the text. The authorization's context carries ``{"function",
        "arguments"}`` and, when given, ``context``. Each argument is shown as its
        ``repr`` cut to ``max_argument_chars``; arguments named in ``redact`` (keyword
        arguments of a ``**kwargs`` function included) are shown as ``***``.

        Anything but an approval -- a denial, a server-side timeout, ``wait_timeout``
        passing, an answer of another kind -- raises :class:`~ailoop.ApprovalDenied`,
        or, when ``on_denied`` is a callable, returns ``on_denied(error)`` in place of the
        function's result. :class:`~ailoop.ConnectionError`,
        :class:`~ailoop.DeliveryError` and :class:`~ailoop.ClientClosedError` propagate as
        themselves. In every one of these cases the function does not run.

        The wrapper keeps the function's name, signature and docstring
        (``functools.wraps``); it works on functions, methods, static and class methods,
        nests, and may be called from many threads at once (the server asks one prompt
        at a time; the others queue). Options are checked at decoration time
        (:class:`~ailoop.ValidationError`, also for a ``redact`` name the function does
        not have, and for coroutine functions).

        Blocking: decorating is immediate; each call is a prompt with ``wait=True``,
        without era detection (:ref:`threads-timeouts-errors`). See :doc:`approval`.
        """
        settings = _approval.ApprovalSettings.build(
            action=action,
            channel=channel,
            timeout=timeout,
            wait_timeout=wait_timeout,
            context=context,
            redact=redact,
            max_argument_chars=max_argument_chars,
            on_denied=on_denied,
        )
        decorate: Callable[[F], F] = _approval.approval_decorator(self, settings)
        return decorate if func is None else decorate(func)

    def human_as_tool(
        self,
        *,
        channel: Optional[str] = None,
        timeout: Optional[float] = 300,
        choices: Optional[Sequence[str]] = None,
        wait_timeout: Optional[float] = None,
        errors_as_text: bool = False,
    ) -> Callable[..., str]:
        """A plain, typed, documented function that asks a person, for agent frameworks.

        With ``choices`` (at least two, unique ignoring case) the function is
        ``ask_human(question: str) -> str`` and returns the chosen choice. Without, it is
        ``ask_human(question: str, options: List[str]) -> str``: the model proposes the
        options (at least two, unique; :class:`~ailoop.ValidationError` otherwise), or an
        empty list for a free-text answer, which only v0 servers offer (v1:
        :class:`~ailoop.ValidationError`). The signature is the same on every server era.
        Its ``__name__`` is ``ask_human`` and its docstring tells a model how to use it.

        Each call is :meth:`ask` with ``wait=True``, ``channel``, ``timeout`` (the
        server-side one) and ``wait_timeout`` (the client-side deadline), and returns the
        answer's text. A server-side timeout raises :class:`~ailoop.TimeoutError`, like
        the deadline; other failures raise their :class:`~ailoop.AiloopError`. With
        ``errors_as_text=True`` every :class:`~ailoop.AiloopError` (bad options included)
        is returned instead as a sentence starting ``"No answer from the human: "``, which
        a model can read and act on.

        Blocking: building the function is immediate; each call is a prompt with
        ``wait=True`` (:ref:`threads-timeouts-errors`). See :doc:`human_tool`.
        """
        return _human_tool.make_human_tool(
            self,
            channel=channel,
            timeout=timeout,
            choices=choices,
            wait_timeout=wait_timeout,
            errors_as_text=errors_as_text,
        )

    # -- helpers ---------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed.is_set():
            raise ClientClosedError("the client is closed")

    def _target_channel(self, channel: Optional[str]) -> str:
        return self._options.channel if channel is None else validate_channel(channel)

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
    ) -> MalformedResponseError:
        return MalformedResponseError(
            f"the server's answer could not be decoded: {exc.message}",
            method=method,
            path=None if path is None else self._options.connection.server.api_path(path),
        )


present_as("ailoop", globals(), __all__)

"""The ``python -m ailoop`` / ``ailoop-py`` command line.

Commands for shell scripts (``health``, ``say``, ``ask``, ``authorize``, ``wait``,
``pending``) and a guided ``demo``. Each prints the answer (``--json`` for machine
output) and exits with one of the :class:`ExitCode` values, so a script can branch on
the outcome::

    if python -m ailoop authorize "Restart the web tier" --timeout 120; then
        systemctl restart web
    fi

For an authorization or a navigation the exit status is 0 only when
:func:`ailoop.approved` says yes: every other final response (a denial, a server-side
timeout, a text reply such as ``"no"`` -- or ``"yes"``) exits 1.
"""

import argparse
import enum
import json
import logging
import sys
import uuid
from typing import Any, Callable, Dict, List, NoReturn, Optional, Sequence, TextIO

from ailoop._describe import describe, describe_prompt
from ailoop._options import DEFAULT_ASK_TIMEOUT, DEFAULT_AUTHORIZE_TIMEOUT, DEFAULT_CHANNEL
from ailoop._verdict import approved
from ailoop._version import __version__
from ailoop.client import AiloopClient
from ailoop.exceptions import AiloopError, NotFoundError, TimeoutError, ValidationError
from ailoop.models import DecisionContent, Message, QuestionContent, ResponseType

__all__ = ["ExitCode", "build_parser", "describe", "main", "outcome", "run"]


class ExitCode(enum.IntEnum):
    """Exit statuses of the command line."""

    #: Approved (an authorization or navigation: only what :func:`ailoop.approved`
    #: accepts), answered (a question or decision), or the command simply succeeded.
    OK = 0
    #: Anything else final: denied, a server-side timeout of an authorization, a text
    #: reply to an authorization, or a question answered with no answer at all.
    DENIED = 1
    #: No final answer before the deadline (the server's prompt timeout or ``--wait``).
    TIMEOUT = 2
    #: The server could not be reached, refused the token, failed, or lost the prompt.
    UNAVAILABLE = 3
    #: Bad command line or arguments (also values the server rejected as invalid).
    USAGE = 64
    #: Interrupted with Ctrl+C.
    INTERRUPTED = 130


class _UsageError(Exception):
    """Raised by the parser instead of exiting with argparse's status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def _options_parser(*, for_subcommand: bool) -> "_Parser":
    """Options accepted both before and after the command name."""
    default = argparse.SUPPRESS if for_subcommand else None
    parser = _Parser(add_help=False)
    parser.add_argument(
        "--server",
        metavar="URL",
        default=default,
        help="server URL, e.g. http://127.0.0.1:8080 (default: $AILOOP_SERVER_URL, "
        "else $AILOOP_SERVER, else http://localhost:8080)",
    )
    parser.add_argument(
        "--token", metavar="T", default=default, help="API token (default: $AILOOP_TOKEN)"
    )
    parser.add_argument(
        "--channel",
        metavar="NAME",
        default=default,
        help=f"channel to use (default: {DEFAULT_CHANNEL}; for pending: all channels)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if for_subcommand else False,
        help="print machine-readable JSON instead of text",
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS if for_subcommand else False,
        help="log connection events to stderr",
    )
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the command line (also used to render its help)."""
    parser = _Parser(
        prog="python -m ailoop",
        description="Ask a person through an ailoop server, from the shell.",
        epilog="Exit status: 0 approved (authorize: only authorization_approved) or "
        "answered, 1 denied or any other final answer, 2 timeout, "
        "3 connection or server error, 64 usage error.",
        parents=[_options_parser(for_subcommand=False)],
    )
    parser.add_argument("--version", action="version", version=f"ailoop-py {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    common = [_options_parser(for_subcommand=True)]

    demo = commands.add_parser(
        "demo",
        parents=common,
        help="walk through every kind of prompt, showing the line of Python each step "
        "runs: on a stand-in server started in this process with a simulated person, "
        "unless --server names a real server (where a person answers); "
        "$AILOOP_SERVER_URL and $AILOOP_SERVER are ignored, so the demo never prompts a "
        "real person unasked; no --json",
        description="Walk through every kind of prompt; each step shows the one line of "
        "Python it runs. Without --server the demo starts a stand-in server in this "
        "process, and a simulated person answers. With --server URL it runs against "
        "that server and a person answers in its terminal or web UI. "
        "$AILOOP_SERVER_URL and $AILOOP_SERVER are ignored by the demo. "
        "The demo prints for people only: --json is refused.",
    )
    demo.set_defaults(handler=_cmd_demo)

    health = commands.add_parser("health", parents=common, help="show the server's health")
    health.set_defaults(handler=_cmd_health)

    say = commands.add_parser("say", parents=common, help="post a notification")
    say.add_argument("text", metavar="TEXT")
    say.add_argument(
        "--priority", default="normal", help="low, normal, high or urgent (default: normal)"
    )
    say.set_defaults(handler=_cmd_say)

    ask = commands.add_parser("ask", parents=common, help="ask a question and print the answer")
    ask.add_argument("text", metavar="TEXT")
    ask.add_argument(
        "--choice",
        dest="choices",
        action="append",
        metavar="C",
        help="a possible answer; repeat for each choice (at least two)",
    )
    _add_timeouts(ask, default_timeout=DEFAULT_ASK_TIMEOUT)
    ask.set_defaults(handler=_cmd_ask)

    authorize = commands.add_parser(
        "authorize", parents=common, help="ask for an authorization; exit 0 only if approved"
    )
    authorize.add_argument("action", metavar="ACTION")
    _add_timeouts(authorize, default_timeout=DEFAULT_AUTHORIZE_TIMEOUT)
    authorize.set_defaults(handler=_cmd_authorize)

    wait = commands.add_parser(
        "wait",
        parents=common,
        help="wait for the final answer to a prompt sent earlier (an answer typed on the "
        "server's terminal before the wait began cannot be recovered)",
        description="Wait for the final answer to a prompt sent earlier and print it; "
        "stderr says what is waited for and for how long. An answer typed on the "
        "server's terminal (or Telegram) before the wait began cannot be recovered: the "
        "server broadcasts it but does not store it, so the wait then ends only at "
        "--timeout. For an authorization or navigation the exit status is 0 only when "
        "it was approved (authorization_approved); any other final answer exits 1.",
    )
    wait.add_argument("message_id", metavar="MESSAGE_ID")
    wait.add_argument(
        "--timeout",
        type=_seconds,
        default=None,
        metavar="S",
        help="give up after S seconds (default: wait until answered)",
    )
    wait.set_defaults(handler=_cmd_wait)

    pending = commands.add_parser(
        "pending", parents=common, help="list the prompt the server is showing right now"
    )
    pending.set_defaults(handler=_cmd_pending)
    return parser


def _add_timeouts(parser: argparse.ArgumentParser, *, default_timeout: int) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=float(default_timeout),
        metavar="S",
        help="seconds the server shows the prompt before answering for the person "
        f"(default: {default_timeout}; 0 = the server's default)",
    )
    parser.add_argument(
        "--wait",
        type=_seconds,
        default=None,
        metavar="S",
        help="stop waiting for the answer after S seconds (default: as long as the "
        "server may take)",
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value >= 0:  # also rejects NaN
        raise argparse.ArgumentTypeError(f"must be zero or more: {text!r}")
    return value


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of ``python -m ailoop`` and the ``ailoop-py`` script."""
    return run(sys.argv[1:] if argv is None else argv, sys.stdout, sys.stderr)


def run(argv: Sequence[str], out: TextIO, err: TextIO) -> int:
    """Run one command line, writing results to ``out`` and problems to ``err``."""
    try:
        args = build_parser().parse_args(list(argv))
    except _UsageError as exc:
        err.write(f"{exc}\n")
        return ExitCode.USAGE
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    logger = logging.getLogger("ailoop")
    level = logger.level
    log_handler = _log_to(err) if args.verbose else None
    try:
        return _dispatch(args, out, err)
    finally:
        if log_handler is not None:
            logger.removeHandler(log_handler)
            logger.setLevel(level)


def _dispatch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the chosen command and turn its errors into exit statuses."""
    handler: Callable[[argparse.Namespace, TextIO, TextIO], int] = args.handler
    try:
        return handler(args, out, err)
    except TimeoutError as exc:
        err.write(f"ailoop-py: no answer in time: {exc}\n")
        return ExitCode.TIMEOUT
    except NotFoundError as exc:
        err.write(f"ailoop-py: {exc}\n")
        return ExitCode.UNAVAILABLE
    except ValidationError as exc:
        err.write(f"ailoop-py: invalid argument: {exc}\n")
        return ExitCode.USAGE
    except AiloopError as exc:
        err.write(f"ailoop-py: {exc}\n")
        return ExitCode.UNAVAILABLE
    except KeyboardInterrupt:
        err.write("ailoop-py: interrupted\n")
        return ExitCode.INTERRUPTED


def _log_to(stream: TextIO) -> logging.Handler:
    """Log the ``ailoop`` loggers at INFO to ``stream`` (``run`` restores the level)."""
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    handler.setLevel(logging.INFO)
    logger = logging.getLogger("ailoop")
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    return handler


def _client(args: argparse.Namespace) -> AiloopClient:
    return AiloopClient(args.server, channel=args.channel or DEFAULT_CHANNEL, token=args.token)


def _emit(args: argparse.Namespace, out: TextIO, text: str, document: Any) -> None:
    if args.json:
        out.write(json.dumps(document, indent=2) + "\n")
    else:
        out.write(text + "\n")


def _cmd_demo(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from ailoop import _demo  # noqa: PLC0415 - the demo pulls in the stand-in server

    if args.json:
        raise ValidationError("demo prints a tour for people and has no --json output")
    if args.server is None:
        return _demo.run_with_stand_in(out)
    channel = args.channel or _demo.DEMO_CHANNEL
    with AiloopClient(args.server, channel=channel, token=args.token) as client:
        return _demo.run_with_person(client, out)


def _cmd_health(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _client(args) as client:
        health = client.get_health()
    text = (
        f"{health.status} (server version {health.version}, "
        f"{health.active_connections} connections, {health.active_channels} channels, "
        f"{health.queue_size} prompt(s) on screen)"
    )
    _emit(args, out, text, health.to_wire())
    return ExitCode.OK if health.status == "healthy" else ExitCode.UNAVAILABLE


def _cmd_say(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _client(args) as client:
        message = client.say(args.text, priority=args.priority)
    _emit(args, out, str(message.id), message.to_wire())
    return ExitCode.OK


def _cmd_ask(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _client(args) as client:
        prompt = client.ask(args.text, timeout=args.timeout, choices=args.choices)
        answer = client.wait_for_response(prompt.id, timeout=args.wait)
    return _report(args, out, answer, prompt)


def _cmd_authorize(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _client(args) as client:
        prompt = client.authorize(args.action, timeout=args.timeout)
        answer = client.wait_for_response(prompt.id, timeout=args.wait)
    return _report(args, out, answer, prompt)


def _cmd_wait(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        message_id = uuid.UUID(args.message_id)
    except ValueError:
        raise ValidationError(f"not a message id: {args.message_id!r}") from None
    with _client(args) as client:
        try:
            prompt: Optional[Message] = client.get_message(message_id)
        except NotFoundError:
            prompt = None  # the wait below decides whether the prompt is really unknown
        err.write(_waiting_note(message_id, prompt, args.timeout))
        answer = client.wait_for_response(message_id, timeout=args.timeout)
    return _report(args, out, answer, prompt)


def _waiting_note(
    message_id: uuid.UUID, prompt: Optional[Message], timeout: Optional[float]
) -> str:
    """What ``wait`` tells stderr before it blocks."""
    what = f"prompt {message_id}"
    if prompt is not None:
        what = f"{describe_prompt(prompt)} ({what})"
    how_long = "until it is answered" if timeout is None else f"for up to {timeout:g} s"
    return (
        f"ailoop-py: waiting for the final answer to {what} {how_long}.\n"
        "ailoop-py: an answer typed on the server's terminal (or Telegram) before this "
        "wait began cannot be recovered: the server does not store it.\n"
    )


def _cmd_pending(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    with _client(args) as client:
        items = client.get_pending(args.channel)
    lines = [f"{item.message_id}  {item.kind:<9} {item.channel:<12} {item.label}" for item in items]
    documents: List[Dict[str, Any]] = [item.to_wire() for item in items]
    _emit(args, out, "\n".join(lines) if lines else "nothing pending", documents)
    return ExitCode.OK


def outcome(response: Message, prompt: Optional[Message] = None) -> ExitCode:
    """The exit status the final ``response`` to ``prompt`` stands for.

    A question or decision (``prompt`` says so) is OK when answered, TIMEOUT on a
    server-side timeout, DENIED with no answer. Anything else -- an authorization, a
    navigation, or a prompt of unknown kind (``prompt`` None) -- is decided by
    :func:`ailoop.approved` alone: OK only for ``authorization_approved``, DENIED for
    every other final response, a text ``"yes"`` included (fail closed).
    """
    if prompt is not None and isinstance(prompt.content, (QuestionContent, DecisionContent)):
        content = response.content
        response_type = getattr(content, "response_type", None)
        if response_type == ResponseType.TIMEOUT:
            return ExitCode.TIMEOUT
        if response_type == ResponseType.TEXT and getattr(content, "answer", None) is not None:
            return ExitCode.OK
        return ExitCode.DENIED
    return ExitCode.OK if approved(response) else ExitCode.DENIED


def _report(
    args: argparse.Namespace, out: TextIO, response: Message, prompt: Optional[Message]
) -> int:
    _emit(args, out, describe(response), response.to_wire())
    return outcome(response, prompt)

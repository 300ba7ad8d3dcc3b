"""``python -m ailoop.testing``: run the stand-in server until Ctrl+C.

With ``--approve-all`` every authorization and navigation is approved and every decision
gets its recommended option (else the first; v0 questions: the first choice, or ``ok``);
each prompt and the answer given are logged on stderr.
Otherwise, when stdin is a terminal, each prompt is shown here and the line you type is
the answer, read like the real server's terminal (``y``/``yes``/``ok``... approve; an
option id, label or number picks an option; ESC then Enter skips).  Without a terminal,
prompts wait for an answer over HTTP (``POST /api/v1/messages/{id}/response``).
"""

import argparse
import logging
import os
import select
import signal
import sys
import threading
from types import FrameType
from typing import TYPE_CHECKING, List, Optional, Sequence, TextIO

from ailoop.models import (
    AuthorizationContent,
    DecisionContent,
    Message,
    NavigateContent,
    QuestionContent,
)

from ._registry import ESCAPE

if TYPE_CHECKING:
    from ._server import AiloopTestServer

logger = logging.getLogger("ailoop.testing")

_RULE = "━" * 40
_POLL_SECONDS = 0.25
_PROG = "python -m ailoop.testing"
_MAX_PORT = 65535


def approve_all(message: Message) -> Optional[str]:
    """Answer every prompt with the most agreeable choice (typed as on the terminal)."""
    content = message.content
    if isinstance(content, (AuthorizationContent, NavigateContent)):
        return "y"
    if isinstance(content, DecisionContent):
        ids = [option.id for option in content.options]
        recommended = content.recommendation.option_id if content.recommendation else None
        if recommended in ids:
            return recommended
        return ids[0] if ids else None
    if isinstance(content, QuestionContent):
        return "1" if content.choices else "ok"
    return None


def approve_all_and_log(message: Message) -> Optional[str]:
    """:func:`approve_all`, logging the prompt and the answer typed for it."""
    answer = approve_all(message)
    headline = describe_prompt(message)[2]
    if answer is None:
        logger.info("--approve-all: %s (id %s) left unanswered", headline, message.id)
    else:
        logger.info("--approve-all: %s (id %s) answered %r", headline, message.id, answer)
    return answer


def describe_prompt(message: Message) -> List[str]:
    """The lines the real server prints for a prompt, and the input hint last."""
    content, channel = message.content, message.channel
    if isinstance(content, DecisionContent):
        recommended = content.recommendation.option_id if content.recommendation else None
        lines = [f"Decision [{channel}] ({content.decision_id}): {content.summary}"]
        lines += [*_timeout_line(content.timeout_seconds), "", "Options:"]
        for number, option in enumerate(content.options, start=1):
            marker = " [recommended]" if option.id == recommended else ""
            detail = f" — {option.detail_markdown[:80]}" if option.detail_markdown else ""
            lines.append(f"  {number}. {option.label}{marker}{detail}")
        hint = "Enter option id, label, or number (ESC to skip): "
    elif isinstance(content, QuestionContent):
        lines = [f"Question [{channel}]: {content.text}", *_timeout_line(content.timeout_seconds)]
        if content.choices:
            lines += ["", "Choices:"]
            lines += [f"  {n}. {choice}" for n, choice in enumerate(content.choices, start=1)]
        hint = "Your answer (ESC to skip): "
    elif isinstance(content, AuthorizationContent):
        lines = [f"Authorization Request [{channel}]: {content.action}"]
        lines += _timeout_line(content.timeout_seconds)
        hint = "Authorize? (Y=yes, n/Enter=no, ESC=skip): "
    elif isinstance(content, NavigateContent):
        lines = [f"Navigation Request [{channel}]: {content.url}"]
        hint = "Open in browser? (Y=yes, n/Enter=no, ESC=skip): "
    else:
        lines, hint = [f"{message.content_type} [{channel}]"], ""
    return ["", _RULE, *lines, _RULE, hint]


def _timeout_line(seconds: int) -> List[str]:
    return [f"Timeout: {seconds} seconds"] if seconds > 0 else []


class TerminalPerson:
    """A person at this terminal: shows each prompt and returns the line typed.

    Stops waiting (and answers nothing) once the prompt is no longer registered, e.g.
    after a timeout or an answer over HTTP.
    """

    def __init__(self, stdin: TextIO, stdout: TextIO) -> None:
        self._stdin = stdin
        self._stdout = stdout
        self.server: Optional[AiloopTestServer] = None

    def __call__(self, message: Message) -> Optional[str]:
        lines = describe_prompt(message)
        self._stdout.write("\n".join(lines[:-1]) + "\n" + lines[-1])
        self._stdout.flush()
        line = self._read_line(str(message.id))
        if line is None:
            self._stdout.write("\n(no longer pending)\n")
            self._stdout.flush()
            return None
        return ESCAPE if line.strip() == ESCAPE else line.rstrip("\r\n")

    def _read_line(self, message_id: str) -> Optional[str]:
        if os.name != "posix":
            return self._stdin.readline() or None
        while self._still_pending(message_id):
            ready, _, _ = select.select([self._stdin], [], [], _POLL_SECONDS)
            if ready:
                return self._stdin.readline() or None
        return None

    def _still_pending(self, message_id: str) -> bool:
        server = self.server
        return server is not None and any(p.message_id == message_id for p in server.pending())


def announce(message: Message) -> None:
    """Print a prompt without answering it (no terminal: answers come over HTTP)."""
    print("\n".join(describe_prompt(message)[:-1]), flush=True)


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        prog=_PROG,
        description="Serve the ailoop stand-in server until Ctrl+C.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080; 0 = any)")
    parser.add_argument("--protocol", choices=("v0", "v1"), default="v1", help="era (default v1)")
    parser.add_argument(
        "--token", action="append", default=[], help="require this token (repeatable)"
    )
    parser.add_argument("--base-path", default="", help="mount under this prefix, e.g. /hil")
    parser.add_argument(
        "--default-timeout",
        type=float,
        default=300.0,
        help="seconds for prompts without their own timeout (default 300; 0 = wait forever)",
    )
    parser.add_argument(
        "--approve-all",
        action="store_true",
        help="approve everything and pick the recommended (else first) option",
    )
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the server until SIGINT or SIGTERM; returns the exit status."""
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= _MAX_PORT:
        return _fail(f"--port {args.port} is out of range (0 to {_MAX_PORT}; 0 = any free port)")
    try:
        from ._server import AiloopTestServer  # noqa: PLC0415 - needs the testing extra
    except ImportError as exc:
        return _fail(f"the stand-in server needs: pip install 'ailoop-py[testing]' ({exc})")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    person: Optional[TerminalPerson] = None
    if args.approve_all:
        human = approve_all_and_log
    elif sys.stdin.isatty():
        person = TerminalPerson(sys.stdin, sys.stdout)
        human = person
    else:
        human = announce
    server = AiloopTestServer(
        args.host,
        args.port,
        protocol=args.protocol,
        tokens=args.token,
        base_path=args.base_path,
        default_timeout=args.default_timeout or None,
        human=human,
    )
    if person is not None:
        person.server = server
    stop = threading.Event()

    def request_stop(signum: int, frame: Optional[FrameType]) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        server.start()
    except (OSError, RuntimeError) as exc:
        reason = exc.__cause__ if isinstance(exc, RuntimeError) and exc.__cause__ else exc
        return _fail(f"cannot serve on {args.host}:{args.port}: {_reason(reason)}")
    try:
        print(f"ailoop stand-in server ({args.protocol}) on {server.url}", flush=True)
        print(f"WebSocket endpoint: {server.ws_url}", flush=True)
        while not stop.wait(_POLL_SECONDS):
            pass
    finally:
        server.stop()
    print("stopped", flush=True)
    return 0


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def _fail(reason: str) -> int:
    print(f"{_PROG}: error: {reason}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

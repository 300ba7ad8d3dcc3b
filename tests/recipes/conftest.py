"""Make the recipe apps in ``examples/`` importable, and give tests a scripted human."""

import contextlib
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence

from ailoop.models import Message
from ailoop.testing import AiloopTestServer

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

for _path in (EXAMPLES, EXAMPLES / "django_app"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

#: Generous bound on anything that waits for the stand-in's human (2 noisy cores).
DEADLINE = 30.0


def typing(answer: Optional[str]) -> Callable[[Message], Optional[str]]:
    """A human policy that types ``answer`` in the server's terminal (``None``: never answers)."""

    def policy(message: Message) -> Optional[str]:
        return answer

    return policy


@contextlib.contextmanager
def answer_in_text(server: AiloopTestServer, text: str) -> Iterator[None]:
    """While the block runs, answer the first prompt with a *text* reply (``text``), as the
    web UI may (``POST /api/v1/messages/{id}/response``): final, and never an approval.
    """
    answered: List[str] = []

    def answer() -> None:
        pending = server.wait_for_pending(timeout=DEADLINE)
        server.respond(pending.message_id, text, response_type="text")
        answered.append(pending.message_id)

    helper = threading.Thread(target=answer, name="answer-in-text", daemon=True)
    helper.start()
    try:
        yield
    finally:
        helper.join(DEADLINE)
    assert len(answered) == 1, "the prompt was never answered in text"


class LoggedProcess:
    """A server process (gunicorn, a Celery worker, uWSGI) in a session of its own.

    Its stdout and stderr are read, line by line, by a named thread, so the pipe never
    fills and tests can wait for a line. :meth:`stop` asks it to stop, then kills its
    whole process group, so no worker it forked outlives the test.
    """

    def __init__(
        self,
        name: str,
        arguments: Sequence[str],
        *,
        cwd: pathlib.Path,
        env: Dict[str, str],
        stop_signal: int = signal.SIGTERM,
    ) -> None:
        self.name = name
        self._stop_signal = stop_signal
        self._lines: List[str] = []
        self._ended = False
        self._changed = threading.Condition()
        self.process = subprocess.Popen(
            list(arguments),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name=f"{name}-log", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._changed:
                self._lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def log(self) -> str:
        """Everything the process printed so far."""
        with self._changed:
            return "\n".join(self._lines)

    def wait_for(self, pattern: str, timeout: float = DEADLINE) -> "re.Match[str]":
        """The first log line matching ``pattern``, waiting up to ``timeout`` seconds for it."""
        compiled = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self._lines:
                    found = compiled.search(line)
                    if found:
                        return found
                remaining = deadline - time.monotonic()
                if self._ended or remaining <= 0:
                    state = "ended" if self._ended else f"is silent after {timeout} s"
                    log = "\n".join(self._lines)
                    raise AssertionError(f"{self.name} {state} without {pattern!r}:\n{log}")
                self._changed.wait(remaining)

    def stop(self, timeout: float = DEADLINE) -> None:
        """Ask the process to stop, then kill its process group; idempotent."""
        if self.process.poll() is None:
            self.process.send_signal(self._stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # workers it forked, if any remain
        self.process.wait(timeout)
        self._reader.join(timeout)
        assert self.process.stdout is not None
        self.process.stdout.close()


def child_environment(**variables: str) -> Dict[str, str]:
    """This process's environment for a server subprocess, with ``variables`` set and the
    recipe folders importable.
    """
    environment = dict(os.environ, **variables)
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    paths = [str(EXAMPLES), str(EXAMPLES / "django_app"), environment.get("PYTHONPATH", "")]
    environment["PYTHONPATH"] = os.pathsep.join(path for path in paths if path)
    return environment

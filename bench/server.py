"""Drive the stand-in server running in a child process over a line-based JSON pipe.

The stand-in runs in its own process so that its Python work never competes with the
measured client for the same interpreter lock: the client's cost is what is measured.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, Optional, Type

REPO_ROOT = Path(__file__).resolve().parent.parent


class StandInProcess:
    """An ``AiloopTestServer`` in a child process; ``call(op, **args)`` runs one command."""

    def __init__(self, **server_options: Any) -> None:
        self._options = server_options
        self._process: Optional[subprocess.Popen[str]] = None
        self.url = ""
        self.ws_url = ""

    def start(self) -> StandInProcess:
        """Start the child and wait until its server listens."""
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.server_process", json.dumps(self._options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=str(REPO_ROOT),
            text=True,
        )
        hello = self._read()
        self.url = hello["url"]
        self.ws_url = hello["ws_url"]
        return self

    def call(self, op: str, **args: Any) -> Dict[str, Any]:
        """Send one command and return its reply; a failure in the child raises here."""
        self.send(op, **args)
        return self.receive()

    def send(self, op: str, **args: Any) -> None:
        """Send one command without waiting (``receive()`` later takes its reply)."""
        process = self._require()
        assert process.stdin is not None
        process.stdin.write(json.dumps({"op": op, **args}) + "\n")
        process.stdin.flush()

    def receive(self) -> Dict[str, Any]:
        """The reply to the oldest command not yet answered."""
        return self._read()

    def stop(self) -> None:
        """Stop the server and the child process."""
        process = self._process
        if process is None:
            return
        self._process = None
        try:
            assert process.stdin is not None
            process.stdin.write(json.dumps({"op": "stop"}) + "\n")
            process.stdin.close()
            process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()

    def __enter__(self) -> StandInProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def _require(self) -> subprocess.Popen[str]:
        if self._process is None:
            raise RuntimeError("stand-in process is not running")
        return self._process

    def _read(self) -> Dict[str, Any]:
        process = self._require()
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError(f"stand-in process ended (exit code {process.poll()})")
        reply: Dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise RuntimeError(f"stand-in process: {reply['error']}")
        return reply

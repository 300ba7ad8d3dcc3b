"""Run the wire conformance tests against a server that is not the stand-in.

Every conformance test expects a server with no earlier state, so
``AILOOP_TEST_SERVER_COMMAND`` starts a fresh server process for every test: a shell
command with a ``{port}`` placeholder, to which ``--token T`` (once per token) and
``--base-path P`` are appended when a test's ``ailoop_server`` marker asks for them; a
marker's ``default_timeout`` becomes ``AILOOP_DEFAULT_PROMPT_TIMEOUT_SECS`` in the
process environment, which every real server honours.  ``AILOOP_TEST_PROTOCOL`` (``v1``
by default) is the era it speaks.  With only ``AILOOP_TEST_SERVER_URL`` (a server that
keeps its state, the contract suite's switch) these tests are skipped.

:class:`ExternalServer` offers the part of :class:`~ailoop.testing.AiloopTestServer`'s
API that any server can honour through its public routes and its process (addresses,
the pending list, answering as the web UI does, history, connection counts,
stop/start/restart).  Any other attribute, a fault switch or a traffic log, skips the
test with a reason that names it: such tests stay stand-in-only.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import time
import uuid
from typing import Any, Dict, List, Optional

import pytest
import requests

from ailoop.models import Message
from ailoop.testing import ConnectionCounts, PendingPrompt

SERVER_URL_VARIABLE = "AILOOP_TEST_SERVER_URL"
SERVER_COMMAND_VARIABLE = "AILOOP_TEST_SERVER_COMMAND"
PROTOCOL_VARIABLE = "AILOOP_TEST_PROTOCOL"
TIMEOUT_VARIABLE = "AILOOP_DEFAULT_PROMPT_TIMEOUT_SECS"
_STARTUP_TIMEOUT = 20.0
_STOP_TIMEOUT = 5.0
_POLL = 0.02

#: Marker options a started process can honour; any other one keeps a test stand-in-only.
COMMAND_OPTIONS = frozenset({"tokens", "base_path", "default_timeout"})


def external_mode() -> Optional[str]:
    """``"url"``, ``"command"`` or None (the stand-in)."""
    if os.environ.get(SERVER_COMMAND_VARIABLE):
        return "command"
    if os.environ.get(SERVER_URL_VARIABLE):
        return "url"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class ExternalServer:
    """A server under test reached only through its public HTTP and WebSocket routes."""

    def __init__(self, command: str, options: Dict[str, Any]) -> None:
        self._options = dict(options)
        self._command = command
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._port = _free_port()
        base_path = str(self._options.get("base_path") or "").rstrip("/")
        self._url = f"http://127.0.0.1:{self._port}{base_path}"
        tokens = list(self._options.get("tokens") or [])
        self._token: Optional[str] = tokens[0] if tokens else None
        self.protocol = os.environ.get(PROTOCOL_VARIABLE, "v1")
        self._session = requests.Session()
        self._session.trust_env = False
        if self._token:
            self._session.headers["Authorization"] = f"Bearer {self._token}"

    # -- addresses -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://host:port`` plus the base path, without a trailing slash."""
        return self._url

    @property
    def ws_url(self) -> str:
        """The WebSocket endpoint (``{url}/`` in ws)."""
        return "ws" + self._url[len("http") :] + "/"

    @property
    def port(self) -> int:
        """The port of the server."""
        authority = self._url.split("://", 1)[1].split("/", 1)[0]
        return int(authority.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        """Whether the started process is alive."""
        return self._process is not None and self._process.poll() is None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        pytest.skip(f"stand-in only: uses server.{name}, which a real server does not offer")

    # -- process control ------------------------------------------------------------

    def start(self) -> ExternalServer:
        """Start the server process and wait until its health route answers."""
        argv = shlex.split(self._command.format(port=self._port))
        for token in self._options.get("tokens") or []:
            argv += ["--token", str(token)]
        if self._options.get("base_path"):
            argv += ["--base-path", str(self._options["base_path"])]
        env = dict(os.environ)
        env.pop(TIMEOUT_VARIABLE, None)
        timeout = self._options.get("default_timeout", None)
        if timeout is not None:
            env[TIMEOUT_VARIABLE] = str(int(timeout))
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while True:
            try:
                self._session.get(self._url + "/api/v1/health", timeout=1)
                return self
            except requests.ConnectionError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server command did not start: {argv}") from None
                time.sleep(_POLL)  # waiting for a process we started to listen

    def stop(self) -> None:
        """Stop the process (Ctrl+C first, as a person would)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(_STOP_TIMEOUT)

    def restart(self) -> None:
        """Stop and start again on the same port (all state is lost)."""
        self.stop()
        self.start()

    def close(self) -> None:
        """Stop the process and close pooled connections."""
        self.stop()
        self._session.close()

    # -- the human side and inspection, through public routes ---------------------------

    def _get_json(self, path: str, **params: Any) -> Any:
        reply = self._session.get(self._url + path, params=params or None, timeout=10)
        reply.raise_for_status()
        return reply.json()

    def _message(self, message_id: str) -> Message:
        return Message.from_wire(self._get_json(f"/api/v1/messages/{message_id}"))

    def pending(self) -> List[PendingPrompt]:
        """What ``GET /api/v1/pending`` lists (skips the test on a server without it)."""
        reply = self._session.get(self._url + "/api/v1/pending", timeout=10)
        if reply.status_code == 404:
            pytest.skip("stand-in only here: this server has no pending API (before v1.0.8)")
        reply.raise_for_status()
        items = reply.json()["items"]
        return [
            PendingPrompt(
                item["message_id"],
                item["kind"],
                item["channel"],
                item["position"],
                item["label"],
                self._message(item["message_id"]),
            )
            for item in items
        ]

    def wait_for_pending(
        self, timeout: float = 5.0, *, message_id: Optional[Any] = None
    ) -> PendingPrompt:
        """Poll the pending list until a prompt (or the one for ``message_id``) is listed."""
        wanted = None if message_id is None else str(uuid.UUID(str(message_id)))
        deadline = time.monotonic() + timeout
        while True:
            for prompt in self.pending():
                if wanted is None or prompt.message_id == wanted:
                    return prompt
            if time.monotonic() >= deadline:
                raise TimeoutError(f"no prompt was registered within {timeout} s")
            time.sleep(_POLL)  # the web UI polls the same way

    def respond(
        self, message_id: Any, answer: Optional[str] = None, response_type: str = "text"
    ) -> Message:
        """Answer as the web UI does; returns the raw response."""
        reply = self._session.post(
            f"{self._url}/api/v1/messages/{message_id}/response",
            data=json.dumps({"answer": answer, "response_type": str(response_type)}),
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
        if reply.status_code == 404:
            raise LookupError(reply.text)
        if reply.status_code in (400, 422):
            raise ValueError(reply.text)
        reply.raise_for_status()
        return Message.from_wire(reply.json())

    def messages(self, channel: Optional[str] = None) -> List[Message]:
        """Stored history, oldest first (one channel, or every channel in turn)."""
        if channel is None:
            names = [c["name"] for c in self._get_json("/api/channels")["channels"]]
        else:
            names = [channel]
        found: List[Message] = []
        for name in names:
            body = self._get_json(f"/api/channels/{name}/messages", limit=1000)
            found += [Message.from_wire(m) for m in body["messages"]]
        return found

    def connections(self) -> ConnectionCounts:
        """Open WebSocket connections, from ``GET /api/stats``."""
        stats = self._get_json("/api/stats")
        return ConnectionCounts(
            stats["total_viewers"], stats["agent_connections"], stats["viewer_connections"]
        )

    def wait_for_connections(
        self,
        *,
        total: Optional[int] = None,
        agents: Optional[int] = None,
        viewers: Optional[int] = None,
        timeout: float = 5.0,
    ) -> ConnectionCounts:
        """Poll the stats until each given count matches."""
        deadline = time.monotonic() + timeout
        while True:
            counts = self.connections()
            pairs = ((total, counts.total), (agents, counts.agents), (viewers, counts.viewers))
            if all(wanted is None or wanted == actual for wanted, actual in pairs):
                return counts
            if time.monotonic() >= deadline:
                raise TimeoutError(f"connections are {counts}")
            time.sleep(_POLL)  # the counters are only visible through the stats route

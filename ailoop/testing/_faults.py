"""Traffic logs and HTTP fault rules, shared between the test thread and the server thread."""

import fnmatch
import threading
from typing import List, Mapping, NamedTuple, Optional, Sequence

from ailoop._public import present_as

_SECRET_HEADERS = ("authorization", "x-api-key")


class RecordedRequest(NamedTuple):
    """One HTTP request as received (WebSocket handshakes included).

    ``path`` is the raw request target (path and query string as sent); ``headers`` is a
    case-insensitive read-only mapping (its repr hides credentials).
    """

    method: str
    path: str
    headers: Mapping[str, str]

    def __repr__(self) -> str:
        shown = {
            name: "<redacted>" if name.lower() in _SECRET_HEADERS else value
            for name, value in self.headers.items()
        }
        return f"RecordedRequest(method={self.method!r}, path={self.path!r}, headers={shown!r})"


class RecordedFrame(NamedTuple):
    """One WebSocket text frame: ``direction`` is ``"in"`` (from a client) or ``"out"``."""

    direction: str
    text: str


class TrafficLog:
    """Thread-safe append-only logs of requests and frames."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: List[RecordedRequest] = []
        self._frames: List[RecordedFrame] = []

    def add_request(self, request: RecordedRequest) -> None:
        """Record a request."""
        with self._lock:
            self._requests.append(request)

    def add_frame(self, direction: str, text: str) -> None:
        """Record a frame."""
        with self._lock:
            self._frames.append(RecordedFrame(direction, text))

    def requests(self) -> List[RecordedRequest]:
        """A snapshot of the request log."""
        with self._lock:
            return list(self._requests)

    def frames(self) -> List[RecordedFrame]:
        """A snapshot of the frame log."""
        with self._lock:
            return list(self._frames)

    def clear(self) -> None:
        """Forget everything recorded so far."""
        with self._lock:
            self._requests.clear()
            self._frames.clear()


class FaultRule(NamedTuple):
    """How to answer requests that match ``method`` and ``path`` instead of serving them."""

    method: str
    path: str
    status: Optional[int]
    body: str
    content_type: str
    delay: float
    reset: bool


class _ActiveRule:
    __slots__ = ("remaining", "rule")

    def __init__(self, rule: FaultRule, remaining: Optional[int]) -> None:
        self.rule = rule
        self.remaining = remaining


class FaultBook:
    """Thread-safe list of active fault rules; the newest matching rule wins."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: List[_ActiveRule] = []

    def add(self, rule: FaultRule, times: Optional[int]) -> None:
        """Activate a rule, for ``times`` matching requests or until cleared."""
        with self._lock:
            self._rules.append(_ActiveRule(rule, times))

    def clear(self) -> None:
        """Remove every rule."""
        with self._lock:
            self._rules.clear()

    def take(self, method: str, paths: Sequence[str]) -> Optional[FaultRule]:
        """The rule for this request, if any (consuming one use of a counted rule)."""
        with self._lock:
            for active in reversed(self._rules):
                rule = active.rule
                if rule.method not in ("*", method.upper()):
                    continue
                if not any(fnmatch.fnmatchcase(path, rule.path) for path in paths):
                    continue
                if active.remaining is not None:
                    active.remaining -= 1
                    if active.remaining <= 0:
                        self._rules.remove(active)
                return rule
            return None


present_as("ailoop.testing", globals(), ["RecordedFrame", "RecordedRequest"])

"""Threads blocked on the realtime stream: response waiters and prompt sightings.

* :class:`WaiterRegistry` holds one :class:`ResponseWaiter` per blocked
  ``wait_for_response`` call, keyed by prompt id. The network thread offers it every
  response frame (``offer``); a waiter registers *before* its caller checks the REST
  history, and registration hands it the responses already seen for that prompt (a
  bounded cache), so no answer can slip between the check and the wait. Many threads may
  wait, even for the same prompt. ``close(error)`` wakes every waiter with ``error`` and
  refuses later registrations.
* :class:`Sightings` lets a prompt sender wait until the viewer connection has seen its
  prompt's broadcast (proof that the listener was live before any answer could come).
"""

import threading
from collections import OrderedDict
from typing import Dict, List, Optional, Set, Tuple

from ailoop._types import Frame

__all__ = ["ResponseWaiter", "Sightings", "WaiterRegistry"]


RECENT_PROMPTS = 1000
RECENT_RESPONSES_PER_PROMPT = 8


class ResponseWaiter:
    """The inbox of one blocked wait: response frames for ``prompt_id`` in arrival order."""

    def __init__(self, prompt_id: str, channel: Optional[str]) -> None:
        self.prompt_id = prompt_id
        self.channel = channel
        self._condition = threading.Condition(threading.Lock())
        self._frames: List[Frame] = []
        self._error: Optional[BaseException] = None
        self._woken = False

    def push(self, frame: Frame) -> None:
        """Add a response frame and wake the waiting thread (any thread)."""
        with self._condition:
            self._frames.append(frame)
            self._condition.notify_all()

    def fail(self, error: BaseException) -> None:
        """Make the waiting thread raise ``error`` (the first error set wins)."""
        with self._condition:
            if self._error is None:
                self._error = error
            self._condition.notify_all()

    def wake(self) -> None:
        """Wake the waiting thread without a frame, so it re-checks the stream state."""
        with self._condition:
            self._woken = True
            self._condition.notify_all()

    def take(self, timeout: Optional[float]) -> List[Frame]:
        """Block up to ``timeout`` seconds (None: no limit) for frames, an error or a
        wake-up; return the frames received since the last call (possibly none).
        Frames already received are returned before a pending error is raised.
        """
        with self._condition:
            if not self._frames and self._error is None and not self._woken:
                self._condition.wait(timeout)
            frames, self._frames = self._frames, []
            self._woken = False
            if not frames and self._error is not None:
                raise self._error
            return frames


class WaiterRegistry:
    """All blocked waits of one client, plus a bounded cache of recent responses."""

    def __init__(
        self,
        recent_prompts: int = RECENT_PROMPTS,
        recent_per_prompt: int = RECENT_RESPONSES_PER_PROMPT,
    ) -> None:
        self._lock = threading.Lock()
        self._waiters: Dict[str, List[ResponseWaiter]] = {}
        self._recent: OrderedDict[str, List[Frame]] = OrderedDict()
        self._recent_prompts = recent_prompts
        self._recent_per_prompt = recent_per_prompt
        self._closed_error: Optional[BaseException] = None

    def register(self, prompt_id: str, channel: Optional[str]) -> ResponseWaiter:
        """A new waiter for ``prompt_id``, pre-filled with the responses already seen.
        Raises the close error once :meth:`close` was called.
        """
        waiter = ResponseWaiter(prompt_id, channel)
        with self._lock:
            if self._closed_error is not None:
                raise self._closed_error
            for frame in self._recent.get(prompt_id, ()):
                waiter.push(frame)
            self._waiters.setdefault(prompt_id, []).append(waiter)
        return waiter

    def unregister(self, waiter: ResponseWaiter) -> None:
        """Forget ``waiter`` (idempotent)."""
        with self._lock:
            waiters = self._waiters.get(waiter.prompt_id)
            if waiters is None or waiter not in waiters:
                return
            waiters.remove(waiter)
            if not waiters:
                del self._waiters[waiter.prompt_id]

    def offer(self, prompt_id: str, frame: Frame) -> None:
        """Hand a response frame correlated with ``prompt_id`` to its waiters and cache
        it for waits that start later (network thread).
        """
        with self._lock:
            recent = self._recent.get(prompt_id)
            if recent is None:
                recent = self._recent[prompt_id] = []
                if len(self._recent) > self._recent_prompts:
                    self._recent.popitem(last=False)
            else:
                self._recent.move_to_end(prompt_id)
            recent.append(frame)
            del recent[: -self._recent_per_prompt]
            waiters = list(self._waiters.get(prompt_id, ()))
        for waiter in waiters:
            waiter.push(frame)

    def waiting(self) -> List[Tuple[str, Optional[str]]]:
        """``(prompt id, channel)`` of every prompt someone waits for."""
        with self._lock:
            return [(prompt_id, waiters[0].channel) for prompt_id, waiters in self._waiters.items()]

    def channels(self) -> Set[str]:
        """The channels of the prompts someone waits for."""
        return {channel for _, channel in self.waiting() if channel is not None}

    def fail(self, prompt_id: str, error: BaseException) -> None:
        """Make every wait for ``prompt_id`` raise ``error``."""
        for waiter in self._snapshot(prompt_id):
            waiter.fail(error)

    def fail_all(self, error: BaseException) -> None:
        """Make every current wait raise ``error``; later waits may register."""
        for waiter in self._snapshot(None):
            waiter.fail(error)

    def wake_all(self) -> None:
        """Wake every waiting thread so it re-checks the stream state."""
        for waiter in self._snapshot(None):
            waiter.wake()

    def close(self, error: BaseException) -> None:
        """Fail every current wait with ``error`` and refuse later registrations."""
        with self._lock:
            if self._closed_error is None:
                self._closed_error = error
            self._recent.clear()
        self.fail_all(error)

    def _snapshot(self, prompt_id: Optional[str]) -> List[ResponseWaiter]:
        with self._lock:
            if prompt_id is not None:
                return list(self._waiters.get(prompt_id, ()))
            return [waiter for waiters in self._waiters.values() for waiter in waiters]


class Sightings:
    """Message ids a sender waits to see on the viewer connection."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._expected: Dict[str, threading.Event] = {}
        self._closed = False

    def expect(self, message_id: str) -> threading.Event:
        """An event set once ``message_id`` is seen (or the sightings are closed)."""
        event = threading.Event()
        with self._lock:
            if self._closed:
                event.set()
            self._expected[message_id] = event
        return event

    def notice(self, message_id: str) -> None:
        """Record that the viewer saw ``message_id`` (network thread)."""
        if not self._expected:
            return
        with self._lock:
            event = self._expected.pop(message_id, None)
        if event is not None:
            event.set()

    def forget(self, message_id: str) -> None:
        """Stop expecting ``message_id`` (idempotent)."""
        with self._lock:
            self._expected.pop(message_id, None)

    def close(self) -> None:
        """Release every sender waiting for a sighting; later expectations are met at once."""
        with self._lock:
            self._closed = True
            events, self._expected = list(self._expected.values()), {}
        for event in events:
            event.set()

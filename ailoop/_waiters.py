"""Threads blocked on the realtime stream: response waiters and prompt sightings.

* :class:`WaiterRegistry` holds one :class:`ResponseWaiter` per blocked
  ``wait_for_response`` call, keyed by prompt id. The network thread (and the history
  readers) offer it every response frame (``offer``); a waiter registers *before* its
  caller checks the REST history, and registration hands it the responses already seen
  for that prompt, so no answer can slip between the check and the wait. Responses to
  the prompts this client sent are kept until its own later prompts push them out, never
  by other traffic. Many threads may wait, even for the same prompt. ``close(error)``
  wakes every waiter with ``error`` and refuses later registrations.
* :class:`Sightings` lets a prompt sender wait until the viewer connection has seen its
  prompt's broadcast (proof that the listener was live before any answer could come).
"""

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Optional, Tuple

from ailoop._types import Frame

__all__ = ["ResponseWaiter", "SentPrompt", "Sightings", "WaiterRegistry"]


RECENT_PROMPTS = 1000
"""Other prompts whose responses are cached for a wait that starts later (LRU)."""
SENT_PROMPTS = 10_000
"""This client's own prompts whose responses are kept; only its own sends evict them."""
RESPONSES_PER_PROMPT = 8


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
        """Block up to ``timeout`` seconds (None: no limit; 0: do not block) for frames,
        an error or a wake-up; return the frames received since the last call (possibly
        none). Frames already received are returned before a pending error is raised.
        """
        with self._condition:
            idle = not self._frames and self._error is None and not self._woken
            if idle and (timeout is None or timeout > 0):
                self._condition.wait(timeout)
            frames, self._frames = self._frames, []
            self._woken = False
            if not frames and self._error is not None:
                raise self._error
            return frames


@dataclass(frozen=True)
class SentPrompt:
    """A prompt this client sent: its channel, its wire ``content``, and the stream
    connection it was sent on (``epoch``, None when no stream was connected).
    """

    channel: str
    content: Optional[Dict[str, Any]]
    epoch: Optional[int]


class _Answers:
    """The distinct responses seen for one prompt (by id), newest last, at most ``limit``."""

    __slots__ = ("_keys", "frames")

    def __init__(self) -> None:
        self.frames: List[Frame] = []
        self._keys: List[object] = []

    def add(self, frame: Frame, limit: int) -> bool:
        """Keep ``frame`` unless a response with its id is kept already; True when kept."""
        response_id = frame.get("id")
        key: object = response_id if isinstance(response_id, str) else object()
        if key in self._keys:
            return False
        self._keys.append(key)
        self.frames.append(frame)
        if len(self.frames) > limit:
            del self.frames[0], self._keys[0]
        return True


class WaiterRegistry:
    """All blocked waits of one client, the responses to the prompts it sent, and a
    bounded cache of responses to other prompts.

    Responses to a prompt this client sent (:meth:`remember`) are kept for as long as the
    prompt is remembered -- the ``sent_prompts`` most recent of this client's own prompts,
    whatever other traffic flows or is replayed -- so a wait that starts later still gets
    them. Responses to other prompts (another process's, or an id typed into the CLI)
    land in an LRU cache of ``recent_prompts`` prompts. Either way at most
    ``per_prompt`` distinct responses (by id) are kept per prompt, the newest.
    """

    def __init__(
        self,
        recent_prompts: int = RECENT_PROMPTS,
        per_prompt: int = RESPONSES_PER_PROMPT,
        sent_prompts: int = SENT_PROMPTS,
    ) -> None:
        self._lock = threading.Lock()
        self._waiters: Dict[str, List[ResponseWaiter]] = {}
        self._sent: OrderedDict[str, Tuple[SentPrompt, _Answers]] = OrderedDict()
        self._recent: OrderedDict[str, _Answers] = OrderedDict()
        self._recent_prompts = recent_prompts
        self._per_prompt = per_prompt
        self._sent_prompts = sent_prompts
        self._closed_error: Optional[BaseException] = None
        self._channel_uses: Dict[Optional[str], int] = {}
        self.wanted_channels: FrozenSet[Optional[str]] = frozenset()
        """The channels of the prompts sent and waited for (their responses come on
        them); ``None`` in it means a wait whose channel is not known yet. Read without
        the lock (a new frozenset replaces it on every change).
        """

    def remember(self, prompt_id: str, prompt: SentPrompt) -> None:
        """Record a prompt this client is about to send (before it goes out, so no
        response can come first); responses already cached for its id move along.
        """
        with self._lock:
            answers = self._recent.pop(prompt_id, None) or _Answers()
            previous = self._sent.get(prompt_id)
            if previous is not None:
                self._use_locked(previous[0].channel, -1)
            self._sent[prompt_id] = (prompt, answers)
            self._use_locked(prompt.channel, +1)
            self._sent.move_to_end(prompt_id)
            if len(self._sent) > self._sent_prompts:
                _, (evicted, _) = self._sent.popitem(last=False)
                self._use_locked(evicted.channel, -1)

    def forget(self, prompt_id: str) -> None:
        """Drop a prompt that was never delivered (idempotent)."""
        with self._lock:
            entry = self._sent.pop(prompt_id, None)
            if entry is not None:
                self._use_locked(entry[0].channel, -1)

    def sent(self, prompt_id: str) -> Optional[SentPrompt]:
        """What :meth:`remember` recorded for ``prompt_id``, or None."""
        with self._lock:
            entry = self._sent.get(prompt_id)
        return entry[0] if entry is not None else None

    def register(self, prompt_id: str, channel: Optional[str]) -> ResponseWaiter:
        """A new waiter for ``prompt_id``, pre-filled with the responses already seen.
        Raises the close error once :meth:`close` was called.
        """
        waiter = ResponseWaiter(prompt_id, channel)
        with self._lock:
            if self._closed_error is not None:
                raise self._closed_error
            entry = self._sent.get(prompt_id)
            answers = entry[1] if entry is not None else self._recent.get(prompt_id)
            for frame in answers.frames if answers is not None else ():
                waiter.push(frame)
            self._waiters.setdefault(prompt_id, []).append(waiter)
            self._use_locked(channel, +1)
        return waiter

    def set_channel(self, waiter: ResponseWaiter, channel: Optional[str]) -> None:
        """Record the channel of a registered waiter's prompt once it is known."""
        with self._lock:
            registered = waiter in self._waiters.get(waiter.prompt_id, ())
            if registered:
                self._use_locked(waiter.channel, -1)
            waiter.channel = channel
            if registered:
                self._use_locked(channel, +1)

    def unregister(self, waiter: ResponseWaiter) -> None:
        """Forget ``waiter`` (idempotent)."""
        with self._lock:
            waiters = self._waiters.get(waiter.prompt_id)
            if waiters is None or waiter not in waiters:
                return
            waiters.remove(waiter)
            self._use_locked(waiter.channel, -1)
            if not waiters:
                del self._waiters[waiter.prompt_id]

    def offer(self, prompt_id: str, frame: Frame) -> None:
        """Hand a response frame correlated with ``prompt_id`` to its waiters and keep it
        for waits that start later (any thread). A response already kept (same id: a
        replay or a history read) is not handed out again.
        """
        with self._lock:
            entry = self._sent.get(prompt_id)
            if entry is not None:
                answers = entry[1]
            else:
                cached = self._recent.get(prompt_id)
                if cached is None:
                    answers = self._recent[prompt_id] = _Answers()
                    if len(self._recent) > self._recent_prompts:
                        self._recent.popitem(last=False)
                else:
                    answers = cached
                    self._recent.move_to_end(prompt_id)
            if not answers.add(frame, self._per_prompt):
                return
            waiters = list(self._waiters.get(prompt_id, ()))
        for waiter in waiters:
            waiter.push(frame)

    def waiting(self) -> List[Tuple[str, Optional[str]]]:
        """``(prompt id, channel)`` of every prompt someone waits for."""
        with self._lock:
            return [(prompt_id, waiters[0].channel) for prompt_id, waiters in self._waiters.items()]

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
            self._sent.clear()
        self.fail_all(error)

    def _use_locked(self, channel: Optional[str], delta: int) -> None:
        count = self._channel_uses.get(channel, 0) + delta
        if count > 0:
            self._channel_uses[channel] = count
        else:
            self._channel_uses.pop(channel, None)
        if count in (0, delta):  # a channel came or went
            self.wanted_channels = frozenset(self._channel_uses)

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

    def release(self) -> None:
        """Release every sender waiting now (the stream stopped or dropped: no sighting
        will come on it); later expectations wait as usual.
        """
        with self._lock:
            events, self._expected = list(self._expected.values()), {}
        for event in events:
            event.set()

    def close(self) -> None:
        """Release every sender waiting for a sighting; later expectations are met at once."""
        with self._lock:
            self._closed = True
            events, self._expected = list(self._expected.values()), {}
        for event in events:
            event.set()

"""De-duplication memory, waiter registry, sightings and the dispatcher, without a server."""

import logging
import queue
import threading
import tracemalloc
from collections import deque
from typing import Any, Deque, Dict, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailoop._connection_state import ConnectionEvent, ConnectionState
from ailoop._dedup import IDS_PER_CHANNEL, MAX_BYTES, SeenMessages
from ailoop._dispatch import Dispatcher
from ailoop._waiters import SentPrompt, Sightings, WaiterRegistry
from ailoop.exceptions import ClientClosedError
from tests import polling

WAIT = 10.0  # generous bound for "happens promptly" on a loaded machine


def frame(number: int) -> Dict[str, Any]:
    return {"id": f"id-{number}", "channel": "c"}


# -- SeenMessages ---------------------------------------------------------------------


def test_seen_messages_reports_first_sightings_only() -> None:
    seen = SeenMessages()
    assert seen.add("a", "1")
    assert not seen.add("a", "1")
    assert seen.add("b", "1")
    assert ("a", "1") in seen and ("b", "2") not in seen


def test_seen_messages_memory_is_bounded_per_channel_and_in_bytes() -> None:
    seen = SeenMessages(per_channel=3)
    for number in range(10):
        seen.add("a", str(number))
    assert seen.size() == (1, 3)
    assert ("a", "9") in seen and ("a", "6") not in seen
    assert seen.add("a", "6")  # forgotten, so new again
    small = SeenMessages(per_channel=3, max_bytes=4000)
    for channel in ("a", "b", "c", "d"):
        small.add(channel, "x")
    assert small.nbytes <= 4000
    assert ("a", "x") not in small and ("d", "x") in small  # least recently active goes


@settings(max_examples=200, deadline=None)
@given(
    per_channel=st.integers(1, 6),
    adds=st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 9)), max_size=120),
)
def test_seen_messages_remember_the_last_ids_of_each_channel(
    per_channel: int, adds: List[Tuple[str, int]]
) -> None:
    """Against a model: an id is new unless it is among the last ``per_channel`` ids
    added to its channel (repeats included, as the ring holds every id it was given)."""
    seen = SeenMessages(per_channel=per_channel)
    model: Dict[str, Deque[str]] = {}
    for channel, number in adds:
        message_id = f"id-{number}"
        recent = model.setdefault(channel, deque(maxlen=per_channel))
        expected = message_id not in recent
        if expected:
            recent.append(message_id)
        assert seen.add(channel, message_id) is expected
        assert (channel, message_id) in seen
    assert seen.size() == (len(model), sum(len(ids) for ids in model.values()))


@pytest.mark.slow
def test_five_thousand_full_channels_fit_the_budget_without_forgetting() -> None:
    channels = 100
    tracemalloc.start()
    try:
        seen = SeenMessages()
        for channel in range(channels):
            for number in range(IDS_PER_CHANNEL):
                seen.add(f"channel-{channel}", f"{channel}-{number}")
        measured = tracemalloc.get_traced_memory()[0] / channels
    finally:
        tracemalloc.stop()
    assert 5000 * measured <= MAX_BYTES, measured  # what 5,000 full channels really cost
    assert seen.nbytes / channels >= measured  # the accounting that evicts is conservative
    assert 5000 * (seen.nbytes / channels) <= MAX_BYTES  # so 5,000 channels never evict
    assert seen.size() == (channels, channels * IDS_PER_CHANNEL)
    window = range(IDS_PER_CHANNEL - 500, IDS_PER_CHANNEL)  # what a replay repeats
    assert all((f"channel-{c}", f"{c}-{n}") in seen for c in range(channels) for n in window)
    assert not seen.add("channel-0", f"0-{IDS_PER_CHANNEL - 1}")


# -- WaiterRegistry -------------------------------------------------------------------


def test_waiter_gets_frames_offered_before_and_after_registration() -> None:
    registry = WaiterRegistry()
    registry.offer("p", frame(1))
    waiter = registry.register("p", "c")
    registry.offer("p", frame(2))
    registry.offer("other", frame(3))
    assert waiter.take(0) == [frame(1), frame(2)]
    assert waiter.take(0) == []
    registry.unregister(waiter)
    registry.unregister(waiter)
    assert registry.waiting() == []


def test_recent_cache_is_bounded() -> None:
    registry = WaiterRegistry(recent_prompts=2, per_prompt=2)
    for number in range(5):
        registry.offer("p", frame(number))
    registry.offer("q", frame(10))
    registry.offer("r", frame(11))
    assert registry.register("p", None).take(0) == []
    assert registry.register("r", None).take(0) == [frame(11)]
    registry = WaiterRegistry(recent_prompts=2, per_prompt=2)
    for number in range(5):
        registry.offer("p", frame(number))
    assert registry.register("p", None).take(0) == [frame(3), frame(4)]


def test_responses_to_sent_prompts_survive_any_other_traffic() -> None:
    registry = WaiterRegistry(recent_prompts=2, per_prompt=2, sent_prompts=3)
    registry.remember("mine", SentPrompt("c", None, None))
    registry.offer("mine", frame(1))
    for number in range(100):
        registry.offer(f"other-{number}", frame(1000 + number))
    registry.offer("mine", frame(1))  # the same response again (a replay): kept once
    assert registry.register("mine", "c").take(0) == [frame(1)]
    for number in range(3):  # only this client's own later prompts push it out
        registry.remember(f"later-{number}", SentPrompt("c", None, None))
    assert registry.sent("mine") is None


def test_many_threads_wait_for_the_same_prompt() -> None:
    registry = WaiterRegistry()
    results: queue.Queue[List[Dict[str, Any]]] = queue.Queue()
    registered = threading.Barrier(5)

    def wait() -> None:
        waiter = registry.register("p", "c")
        registered.wait(WAIT)
        results.put(waiter.take(WAIT))

    threads = [threading.Thread(target=wait) for _ in range(4)]
    for thread in threads:
        thread.start()
    registered.wait(WAIT)
    registry.offer("p", frame(1))
    for thread in threads:
        thread.join(WAIT)
    assert [results.get_nowait() for _ in threads] == [[frame(1)]] * 4


def test_close_wakes_waiters_and_refuses_new_ones() -> None:
    registry = WaiterRegistry()
    waiter = registry.register("p", "c")
    errors: queue.Queue[BaseException] = queue.Queue()

    def wait() -> None:
        try:
            waiter.take(None)
        except ClientClosedError as exc:
            errors.put(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    registry.close(ClientClosedError("closed"))
    thread.join(WAIT)
    assert isinstance(errors.get_nowait(), ClientClosedError)
    with pytest.raises(ClientClosedError):
        registry.register("q", None)


def test_frames_are_returned_before_an_error() -> None:
    registry = WaiterRegistry()
    waiter = registry.register("p", "c")
    registry.offer("p", frame(1))
    registry.fail("p", RuntimeError("boom"))
    assert waiter.take(0) == [frame(1)]
    with pytest.raises(RuntimeError):
        waiter.take(0)


def test_wake_returns_without_frames() -> None:
    registry = WaiterRegistry()
    waiter = registry.register("p", "c")
    registry.wake_all()
    assert waiter.take(None) == []
    assert registry.waiting() == [("p", "c")]


# -- Sightings ------------------------------------------------------------------------


def test_sightings() -> None:
    sightings = Sightings()
    event = sightings.expect("a")
    sightings.notice("b")
    assert not event.is_set()
    sightings.notice("a")
    assert event.is_set()
    pending = sightings.expect("c")
    sightings.forget("c")
    sightings.notice("c")
    assert not pending.is_set()
    waiting = sightings.expect("d")
    sightings.close()
    assert waiting.is_set()
    assert sightings.expect("e").is_set()


# -- Dispatcher -----------------------------------------------------------------------


def test_dispatcher_calls_handlers_in_order_and_survives_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    errors: queue.Queue[Any] = queue.Queue()
    seen: queue.Queue[Any] = queue.Queue()
    dispatcher = Dispatcher(lambda f: f["id"], on_handler_error=lambda e, p: errors.put((e, p)))

    def bad(message: Any) -> None:
        raise ValueError(f"bad {message}")

    dispatcher.add_message_handler(bad)
    dispatcher.add_message_handler(seen.put)
    target: queue.Queue[Any] = queue.Queue()
    dispatcher.add_queue(target)
    with caplog.at_level(logging.ERROR, logger="ailoop.dispatch"):
        for number in range(3):
            dispatcher.submit_message(frame(number))
        assert [seen.get(timeout=WAIT) for _ in range(3)] == ["id-0", "id-1", "id-2"]
        assert [target.get(timeout=WAIT) for _ in range(3)] == ["id-0", "id-1", "id-2"]
    error, payload = errors.get(timeout=WAIT)
    assert isinstance(error, ValueError) and payload == "id-0"
    assert "raised; dispatch goes on" in caplog.text
    assert dispatcher.stop(WAIT)


def test_an_idle_dispatcher_wakes_for_every_message_event_and_stop() -> None:
    """One item at a time, each handled before the next (so the thread sleeps between
    them): every message and event wakes it, in order, and stop wakes it too."""
    seen: queue.Queue[Any] = queue.Queue()
    dispatcher = Dispatcher(lambda f: f["id"])
    dispatcher.add_message_handler(seen.put)
    dispatcher.add_connection_handler(seen.put)
    for number in range(200):
        dispatcher.submit_messages([frame(number)])
        assert seen.get(timeout=WAIT) == f"id-{number}"
        if number % 50 == 0:
            event = ConnectionEvent(ConnectionState.CONNECTED)
            dispatcher.submit_event(event)
            assert seen.get(timeout=WAIT) is event
    thread = dispatcher._thread
    assert thread is not None
    polling.wait_until(lambda: dispatcher._sleeping, "the thread to sleep", WAIT)
    assert dispatcher.stop(WAIT)
    assert not thread.is_alive()
    dispatcher.submit_messages([frame(999)])  # after stop: dropped, nothing wakes
    with pytest.raises(queue.Empty):
        seen.get(timeout=0.2)


def test_dispatcher_drops_the_oldest_message_on_overflow(caplog: pytest.LogCaptureFixture) -> None:
    release = threading.Event()
    entered = threading.Event()
    delivered: List[Any] = []

    def slow(message: Any) -> None:
        entered.set()
        release.wait(WAIT)
        delivered.append(message)

    dispatcher = Dispatcher(lambda f: f["id"], max_pending=3)
    dispatcher.add_message_handler(slow)
    dispatcher.submit_message(frame(0))
    assert entered.wait(WAIT)
    events: queue.Queue[ConnectionEvent] = queue.Queue()
    dispatcher.add_connection_handler(events.put)
    dispatcher.submit_event(ConnectionEvent(ConnectionState.CONNECTED))
    with caplog.at_level(logging.WARNING, logger="ailoop.dispatch"):
        for number in range(1, 7):
            dispatcher.submit_message(frame(number))
    assert dispatcher.dropped_messages == 3
    assert "dropped the oldest undelivered message" in caplog.text
    done = threading.Event()
    dispatcher.add_message_handler(lambda message: message == "id-6" and done.set())
    release.set()
    assert done.wait(WAIT)
    assert delivered == ["id-0", "id-4", "id-5", "id-6"]
    assert events.get(timeout=WAIT).state is ConnectionState.CONNECTED
    assert dispatcher.stop(WAIT)


def test_bounded_user_queue_loses_its_oldest_item() -> None:
    dispatcher = Dispatcher(lambda f: f["id"])
    target: queue.Queue[Any] = queue.Queue(maxsize=2)
    dispatcher.add_queue(target)
    done = threading.Event()
    dispatcher.add_message_handler(lambda message: message == "id-3" and done.set())
    for number in range(4):
        dispatcher.submit_message(frame(number))
    assert done.wait(WAIT)
    assert dispatcher.stop(WAIT)
    assert [target.get_nowait(), target.get_nowait()] == ["id-2", "id-3"]
    assert dispatcher.dropped_messages == 2


def test_dispatcher_stop_from_a_handler_and_undecodable_frames() -> None:
    stopped = threading.Event()
    dispatcher = Dispatcher(lambda f: f["id"])

    def stop_here(message: Any) -> None:
        assert dispatcher.is_dispatcher_thread()
        assert not dispatcher.stop(0.1)  # cannot join itself
        stopped.set()

    dispatcher.add_message_handler(stop_here)
    dispatcher.submit_message({"no id": True})  # decode fails: skipped
    dispatcher.submit_message(frame(1))
    assert stopped.wait(WAIT)
    assert dispatcher.stop(WAIT)
    assert not dispatcher.is_dispatcher_thread()
    dispatcher.submit_message(frame(2))  # ignored once stopped

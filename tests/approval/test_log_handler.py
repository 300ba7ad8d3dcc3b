"""AiloopLogHandler: records become notifications, sent by one background thread."""

import logging
import os
import threading
from typing import Any, Iterator, List, Tuple

import pytest

from ailoop import AiloopClient, AiloopLogHandler, NotificationPriority, ValidationError
from ailoop.testing import AiloopTestServer
from tests.forking import in_forked_child

from .conftest import WAIT


def notifications(server: AiloopTestServer, channel: str) -> List[Tuple[str, str]]:
    return [
        (message.content.text, message.content.priority.value)
        for message in server.messages(channel)
        if message.content.content_type == "notification"
    ]


@pytest.fixture
def app_logger() -> Iterator[logging.Logger]:
    """A fresh logger of the 'application', detached from the root logger."""
    logger = logging.getLogger(f"approval-tests.{threading.get_ident()}")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger
    for handler in list(logger.handlers):
        logger.removeHandler(handler)


@pytest.fixture
def handler(client: AiloopClient) -> Iterator[AiloopLogHandler]:
    log_handler = AiloopLogHandler(client, channel="logs")
    yield log_handler
    log_handler.close()


def test_records_arrive_in_order_with_priorities(
    server: AiloopTestServer, handler: AiloopLogHandler, app_logger: logging.Logger
) -> None:
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    app_logger.addHandler(handler)
    app_logger.debug("step %d", 1)
    app_logger.info("step %d", 2)
    app_logger.warning("disk at %d%%", 91)
    app_logger.error("step 4 failed")
    app_logger.critical("giving up")
    handler.flush(WAIT)
    assert notifications(server, "logs") == [
        ("DEBUG step 1", "low"),
        ("INFO step 2", "normal"),
        ("WARNING disk at 91%", "high"),
        ("ERROR step 4 failed", "high"),
        ("CRITICAL giving up", "urgent"),
    ]
    assert (handler.sent, handler.failed, handler.dropped) == (5, 0, 0)


def test_defaults_to_the_clients_channel_and_respects_its_level(
    server: AiloopTestServer, app_logger: logging.Logger
) -> None:
    with AiloopClient(server.url, channel="jobs") as client:
        log_handler = AiloopLogHandler(client, level=logging.INFO)
        app_logger.addHandler(log_handler)
        app_logger.debug("noise")
        app_logger.info("nightly import done")
        log_handler.flush(WAIT)
        log_handler.close()
    assert log_handler.channel == "jobs"
    assert notifications(server, "jobs") == [("nightly import done", "normal")]


def test_one_named_daemon_thread_started_lazily_and_joined_by_close(
    handler: AiloopLogHandler, app_logger: logging.Logger
) -> None:
    def senders() -> List[threading.Thread]:
        return [t for t in threading.enumerate() if t.name == "ailoop-log-handler"]

    assert senders() == []  # nothing at construction
    app_logger.addHandler(handler)
    for number in range(5):
        app_logger.info("record %d", number)
    (thread,) = senders()
    assert thread.daemon
    handler.close()
    assert not thread.is_alive()
    assert handler.sent == 5  # close() sent what was queued
    app_logger.info("after close")
    assert handler.dropped == 1
    handler.close()  # idempotent


class _HungServerClient:
    """A client whose ``say`` hangs until released, like a server that stopped answering
    mid-request; records which texts went out."""

    channel = "public"

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.said: List[str] = []

    def say(self, message: str, channel: Any = None, priority: Any = None) -> None:
        self.entered.set()
        assert self.release.wait(WAIT)
        self.said.append(message)


def test_the_caller_never_blocks_and_the_buffer_drops_the_oldest(
    app_logger: logging.Logger,
) -> None:
    hung = _HungServerClient()
    log_handler = AiloopLogHandler(hung, capacity=3)  # type: ignore[arg-type]
    app_logger.addHandler(log_handler)
    try:
        app_logger.info("r0")
        assert hung.entered.wait(WAIT)  # the sender is stuck on r0
        for number in range(1, 10):
            app_logger.info("r%d", number)  # returns although nothing can be sent
        assert log_handler.dropped == 6
    finally:
        hung.release.set()
        log_handler.flush(WAIT)
        log_handler.close()
    assert hung.said == ["r0", "r7", "r8", "r9"]
    assert log_handler.sent == 4


def test_an_outage_never_raises_and_records_follow_when_the_server_is_back(
    server: AiloopTestServer, handler: AiloopLogHandler, app_logger: logging.Logger
) -> None:
    complained = threading.Event()

    class Watch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "cannot reach" in record.getMessage():
                complained.set()

    sdk_logger = logging.getLogger("ailoop.log_handler")
    watch = Watch()
    sdk_logger.addHandler(watch)
    app_logger.addHandler(handler)
    try:
        server.stop()
        app_logger.error("payment %s failed", "#12")  # no exception reaches the caller
        app_logger.info("retrying payment")
        assert complained.wait(WAIT)
        server.start()
        handler.flush(WAIT * 3)
    finally:
        sdk_logger.removeHandler(watch)
    assert notifications(server, "logs") == [
        ("payment #12 failed", "high"),
        ("retrying payment", "normal"),
    ]
    assert (handler.sent, handler.failed) == (2, 0)


def test_refused_records_are_counted_not_retried(
    server: AiloopTestServer, handler: AiloopLogHandler, app_logger: logging.Logger
) -> None:
    server.fail_route("POST", "/api/v1/messages", 422, '{"error": "bad"}', times=1)
    app_logger.addHandler(handler)
    app_logger.info("refused")
    app_logger.info("accepted")
    handler.flush(WAIT)
    assert notifications(server, "logs") == [("accepted", "normal")]
    assert (handler.sent, handler.failed) == (1, 1)


def test_never_logs_into_itself(server: AiloopTestServer, handler: AiloopLogHandler) -> None:
    root = logging.getLogger()
    previous = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)  # sees urllib3's and ailoop's own debug records too
    try:
        logging.getLogger("ailoop.client").warning("the SDK's own record")
        logging.getLogger("approval-tests.app").info("the application's record")
        handler.flush(WAIT)
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    assert notifications(server, "logs") == [("the application's record", "normal")]


def test_close_under_the_handler_lock_does_not_wait_for_the_sender(
    app_logger: logging.Logger,
) -> None:
    # logging.shutdown() closes each handler while holding its lock; a record logged by
    # the sending thread meanwhile (urllib3 does) must not wait for that lock
    class ChattyClient(_HungServerClient):
        def say(self, message: str, channel: Any = None, priority: Any = None) -> None:
            super().say(message, channel, priority)
            app_logger.warning("logged by the sending thread")

    chatty = ChattyClient()
    log_handler = AiloopLogHandler(chatty)  # type: ignore[arg-type]
    app_logger.addHandler(log_handler)
    app_logger.info("r0")
    assert chatty.entered.wait(WAIT)
    (sender,) = [t for t in threading.enumerate() if t.name == "ailoop-log-handler"]
    log_handler.acquire()
    try:
        chatty.release.set()
        log_handler.close()
        assert not sender.is_alive()
    finally:
        log_handler.release()
    assert chatty.said == ["r0"]


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork() with threads, Python 3.12+
def test_a_forked_child_sends_its_own_records_only(
    server: AiloopTestServer, handler: AiloopLogHandler, app_logger: logging.Logger
) -> None:
    app_logger.addHandler(handler)
    server.fail_route("POST", "/api/v1/messages", None, delay=1.0, times=1)
    app_logger.info("parent 1")  # the parent's sender is busy with it during the fork
    app_logger.info("parent 2")  # still queued in the parent at the fork

    def child() -> str:
        app_logger.info("child")
        handler.flush(WAIT)
        counts = (handler.sent, handler.failed)
        return "ok" if counts == (1, 0) else f"sent, failed = {counts}"

    assert in_forked_child(child, WAIT * 3) == "ok"
    handler.flush(WAIT)
    texts = sorted(text for text, _ in notifications(server, "logs"))
    assert texts == ["child", "parent 1", "parent 2"]


def test_priority_follows_the_level() -> None:
    from ailoop._log_handler import priority_for_level

    assert [
        priority_for_level(level)
        for level in (5, logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, 60)
    ] == [
        NotificationPriority.LOW,
        NotificationPriority.LOW,
        NotificationPriority.NORMAL,
        NotificationPriority.HIGH,
        NotificationPriority.HIGH,
        NotificationPriority.URGENT,
    ]


def test_bad_arguments(client: AiloopClient) -> None:
    with pytest.raises(ValidationError, match="capacity"):
        AiloopLogHandler(client, capacity=0)
    with pytest.raises(ValidationError, match="hannel"):
        AiloopLogHandler(client, channel="no spaces")
    with pytest.raises(ValidationError, match="AiloopClient"):
        AiloopLogHandler("http://localhost:8080")  # type: ignore[arg-type]

"""What ``from ailoop import AiloopClient`` loads, and what each first use adds.

The realtime modules (stream, engine, dispatcher, prompt sockets) and websocket-client
load when a prompt, a wait, a handler or the stream first needs them, dataclasses-json
and marshmallow when a model's ``to_dict``/``from_dict``/``from_json``/``schema`` is
first called, so the import and a program that only calls REST methods never pay for
them (BENCHMARKS.md, item 6). Each check runs in a fresh interpreter and reads
``sys.modules``: what is loaded, not how long it took.
"""

import json
import subprocess
import sys
import textwrap
import uuid
from typing import Iterator, Set

import pytest

from ailoop import AiloopClient, ClientClosedError, ConnectionState
from ailoop.testing import AiloopTestServer

REALTIME_MODULES = {
    "ailoop._agent",
    "ailoop._deadlines",
    "ailoop._dedup",
    "ailoop._dispatch",
    "ailoop._history_reads",
    "ailoop._outcomes",
    "ailoop._readahead",
    "ailoop._realtime",
    "ailoop._realtime_parts",
    "ailoop._rest_history",
    "ailoop._stream",
    "ailoop._uwsgi",
    "ailoop._waiters",
    "ailoop._websocket",
    "websocket",
}
"""Loaded by the first prompt, wait, handler, queue, subscription or stream."""
JSON_MAPPING_MODULES = {"dataclasses_json", "marshmallow", "typing_inspect"}
"""Loaded by the first ``to_dict``, ``from_dict``, ``from_json`` or ``schema`` call."""
LAZY_MODULES = REALTIME_MODULES | JSON_MAPPING_MODULES


@pytest.fixture(scope="module")
def server() -> Iterator[AiloopTestServer]:
    with AiloopTestServer(default_timeout=None) as running:
        yield running


def loaded_after(body: str, server: AiloopTestServer) -> Set[str]:
    """The modules loaded in a fresh interpreter after ``from ailoop import AiloopClient``,
    building ``client`` (for ``server``) and running ``body``; the client is closed last.
    """
    script = textwrap.dedent(
        """
        import json, sys
        from ailoop import AiloopClient
        client = AiloopClient(sys.argv[1], timeout=30)
        try:
        {body}
        finally:
            client.close()
        print(json.dumps(sorted(sys.modules)))
        """
    ).format(body=textwrap.indent(textwrap.dedent(body).strip() or "pass", "    "))
    done = subprocess.run(
        [sys.executable, "-c", script, server.url],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules: Set[str] = set(json.loads(done.stdout.splitlines()[-1]))
    return modules


def test_the_import_and_a_client_load_no_realtime_module(server: AiloopTestServer) -> None:
    modules = loaded_after("", server)
    assert "ailoop.client" in modules
    first_use = LAZY_MODULES | {
        "ailoop._approval",
        "ailoop._human_tool",
        "ailoop._prompts",
        "ailoop.models._field_kinds",
        "typing_extensions",  # for type checkers only (ailoop/models/_message.py)
    }
    assert modules.isdisjoint(first_use), sorted(modules & first_use)


def test_rest_calls_load_no_realtime_module(server: AiloopTestServer) -> None:
    modules = loaded_after(
        """
        note = client.say("hello", priority="high")
        assert client.get_message(note.id).content.text == "hello"
        client.respond(note.id, "ok")
        client.get_health()
        client.get_channels()
        client.get_channel_messages("public")
        task = client.create_task("t", "d")
        client.update_task(task.id, "done")
        client.list_tasks()
        client.check_version_compatibility()
        assert client.get_health().to_json()
        assert client.connection_state.value == "disconnected"
        assert client.subscriptions == ["public"] and client.dropped_messages == 0
        client.disconnect_websocket()
        """,
        server,
    )
    assert modules.isdisjoint(LAZY_MODULES), sorted(modules & LAZY_MODULES)


@pytest.mark.parametrize(
    "call",
    [
        "client.get_health().to_dict()",
        "type(client.say('x')).from_dict(client.say('y').to_dict())",
        "from ailoop import Task; Task.schema()",
        "from ailoop import ServerStats; ServerStats.from_json(client.get_stats().to_json())",
    ],
)
def test_the_json_mapping_loads_dataclasses_json(server: AiloopTestServer, call: str) -> None:
    modules = loaded_after(call, server)
    assert modules >= JSON_MAPPING_MODULES
    assert modules.isdisjoint(REALTIME_MODULES), sorted(modules & REALTIME_MODULES)


def test_the_stream_loads_the_realtime_modules(server: AiloopTestServer) -> None:
    modules = loaded_after("client.connect_websocket()", server)
    assert modules >= REALTIME_MODULES


def test_a_client_closed_before_any_realtime_use(server: AiloopTestServer) -> None:
    requests_before = len(server.requests)
    client = AiloopClient(server.url)
    client.close()
    calls = {
        "wait_for_response": lambda: client.wait_for_response(str(uuid.uuid4()), 1),
        "connect_websocket": client.connect_websocket,
        "subscribe_to_channel": lambda: client.subscribe_to_channel("ops"),
        "unsubscribe_from_channel": lambda: client.unsubscribe_from_channel("ops"),
        "add_message_handler": lambda: client.add_message_handler(print),
        "remove_message_handler": lambda: client.remove_message_handler(print),
        "message_queue": client.message_queue,
        "add_connection_handler": lambda: client.add_connection_handler(print),
    }
    for name, call in calls.items():
        with pytest.raises(ClientClosedError):
            call()
        assert client._parts is None, name
    client.disconnect_websocket()
    assert client.connection_state is ConnectionState.DISCONNECTED
    assert client.subscriptions == [client.channel]
    assert client.dropped_messages == 0
    assert len(server.requests) == requests_before


def test_threads_that_first_use_the_json_mapping_at_once(server: AiloopTestServer) -> None:
    modules = loaded_after(
        """
        import threading
        from ailoop import HealthInfo, Message, NotificationContent, Task
        health = HealthInfo("ok", "1", 0, 0, 0, extra={"uptime": 1})
        message = Message.new("ops", NotificationContent("hi"))
        calls = [
            lambda: health.to_dict(),
            lambda: HealthInfo.from_dict({**health.to_wire(), "more": 2}).extra,
            lambda: message.to_dict(),
            lambda: Message.from_json(message.to_json()) == message,
            lambda: sorted(Task.schema().fields),
        ] * 4
        start = threading.Barrier(len(calls))
        results = [None] * len(calls)
        def run(index):
            start.wait()
            results[index] = calls[index]()
        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [call() for call in calls], results
        assert results[1] == {"uptime": 1, "more": 2} and results[3] is True
        """,
        server,
    )
    assert modules >= JSON_MAPPING_MODULES

"""Public classes name their public module whatever was imported first.

Each check runs in a fresh interpreter that reaches the classes through one entry point
(a private module, a subpackage, the package) before any ``ailoop.<name>`` was touched.
"""

import subprocess
import sys
import textwrap

import pytest

CHECK = textwrap.dedent(
    """
    import importlib, inspect, pickle, sys, typing

    importlib.import_module(sys.argv[1])
    import ailoop

    loaded = [name for name in ailoop.__all__ if name in vars(ailoop)]
    assert loaded == [], loaded  # nothing public was loaded yet
    seen = 0
    for module_name, module in list(sys.modules.items()):
        if not module_name.startswith("ailoop.") or module_name.startswith("ailoop.testing"):
            continue
        for name, value in list(vars(module).items()):
            public = isinstance(value, type) or inspect.isfunction(value)
            if name in ailoop.__all__ and public:
                where = f"{value.__module__}.{value.__qualname__}"
                assert where == f"ailoop.{name}", (module_name, where)
                seen += 1
    assert seen, "the entry point reached no public name"
    models = sys.modules.get("ailoop.models")
    if models is not None:
        for name in models.__all__:
            value = getattr(models, name)
            if isinstance(value, type):
                typing.get_type_hints(value)  # resolvable before ailoop.<name> is loaded
        message = models.Message.new("ops", models.NotificationContent(text="x"))
        assert models.Message.from_dict(message.to_dict()) == message
        assert pickle.loads(pickle.dumps(message)) == message
        assert repr(models.Message) == "<class 'ailoop.Message'>"
    print(seen)
    """
)


@pytest.mark.parametrize(
    "entry",
    [
        "ailoop.models._message",
        "ailoop.models._content",
        "ailoop.models",
        "ailoop.exceptions",
        "ailoop._connection_state",
        "ailoop._verdict",
        "ailoop.client",
    ],
)
def test_public_classes_name_ailoop_whatever_is_imported_first(entry: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHECK, entry],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


@pytest.mark.slow
def test_stand_in_classes_name_ailoop_testing_whatever_is_imported_first() -> None:
    script = textwrap.dedent(
        """
        from ailoop.testing import _faults, _server
        for value in (_server.AiloopTestServer, _server.ConnectionCounts,
                      _server.PendingPrompt, _faults.RecordedFrame, _faults.RecordedRequest):
            assert value.__module__ == "ailoop.testing", value
        print(repr(_server.AiloopTestServer))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "<class 'ailoop.testing.AiloopTestServer'>"


def test_import_ailoop_loads_no_other_module_of_the_package() -> None:
    script = (
        "import sys, ailoop; "
        "print(sorted(name for name in sys.modules if name.startswith('ailoop'))); "
        "print(ailoop.__version__, 'ailoop.client' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    modules, version = done.stdout.splitlines()
    assert modules == "['ailoop']"
    assert version.endswith(" False")  # __version__ comes without the client

"""pytest plugin of ailoop-py: the ``ailoop_server`` fixture.

Registered through the ``pytest11`` entry point, so pytest imports this module in every
run of every project that has ailoop-py installed.  It therefore imports nothing beyond
pytest; the stand-in server (and aiohttp, from the ``testing`` extra) is imported only
when a test uses the fixture.

Options for the server come from the ``ailoop_server`` marker::

    @pytest.mark.ailoop_server(protocol="v0", tokens=["secret"], default_timeout=1)
    def test_legacy(ailoop_server):
        ...
"""

from typing import TYPE_CHECKING, Any, Dict, Iterator

import pytest

if TYPE_CHECKING:
    from ailoop.testing import AiloopTestServer

MARKER = "ailoop_server"


def pytest_configure(config: Any) -> None:
    """Declare the ``ailoop_server`` marker (keyword arguments for the fixture's server)."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**options): keyword arguments for the ailoop_server fixture's AiloopTestServer",
    )


@pytest.fixture
def ailoop_server(request: Any) -> Iterator["AiloopTestServer"]:
    """A started :class:`~ailoop.testing.AiloopTestServer` with fresh state, stopped after the test.

    Keyword arguments of an ``@pytest.mark.ailoop_server(...)`` marker are passed to the
    constructor.  Needs the ``testing`` extra (``pip install 'ailoop-py[testing]'``).
    """
    try:
        from ailoop.testing._server import AiloopTestServer  # noqa: PLC0415 - optional extra
    except ImportError as exc:
        pytest.fail(
            "the ailoop_server fixture needs the stand-in server's dependencies: "
            f"pip install 'ailoop-py[testing]' ({exc})",
            pytrace=False,
        )
    marker = request.node.get_closest_marker(MARKER)
    options: Dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    with AiloopTestServer(**options) as server:
        yield server

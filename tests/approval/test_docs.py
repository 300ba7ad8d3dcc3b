"""The examples of the approval, human-tool and logging guides run as written."""

import pytest

from tests.docs import test_guides as guides


def run_example(page: str, after: str, capsys: pytest.CaptureFixture[str]) -> str:
    guides.run(guides.literal_block(page, after), page)
    return capsys.readouterr().out


def test_approval_guide_example(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_example("approval.rst", "run it as it is::", capsys)
    assert out.splitlines() == [
        "deployed to staging",
        "not deployed: the person denied it, or did not answer before the server's timeout",
    ]


def test_human_tool_guide_example(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_example("human_tool.rst", "Run it as it\nis::", capsys)
    assert out.splitlines() == ["ask_human typing.List[str]", "PostgreSQL"]


def test_logging_guide_example(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_example("logging.rst", "Run it as it is::", capsys)
    assert out.splitlines() == ["normal INFO imported 1200 rows", "high WARNING 3 rows skipped"]


def test_openai_integration_example(capsys: pytest.CaptureFixture[str]) -> None:
    out = run_example("integrations.rst", "by hand. Run it as it is::", capsys)
    assert out.splitlines() == [
        "['deploy', 'ask_human']",
        "call_1 deployed 2.4.1 to staging",
        "call_2 A human did not approve this call, so it was not run",
    ]


def test_langchain_integration_example(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("langchain_core", reason="needs the langchain extra (langchain-core)")
    out = run_example("integrations.rst", "``ToolMessage`` back. Run it as it is::", capsys)
    assert out.splitlines() == ["ToolMessage call_7 billing restarted"]

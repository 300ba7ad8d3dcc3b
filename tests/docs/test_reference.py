"""The Sphinx API reference documents every public name."""

import pathlib
import re
from typing import Set

import ailoop
import ailoop.models
import ailoop.testing

DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs"
DIRECTIVE = re.compile(
    r"^\.\. (?:auto(?:class|exception|function|data|method|property)|py:data|data)::\s+(\S+)",
    re.M,
)


def documented() -> Set[str]:
    names: Set[str] = set()
    for page in DOCS.glob("*.rst"):
        names.update(DIRECTIVE.findall(page.read_text(encoding="utf-8")))
    return names


def test_every_public_name_of_ailoop_is_documented() -> None:
    names = documented()
    missing = [
        name for name in ailoop.__all__ if f"ailoop.{name}" not in names and name not in names
    ]
    assert missing == []


def test_every_model_and_testing_name_is_documented() -> None:
    names = documented()
    missing = [
        f"ailoop.models.{name}"
        for name in ailoop.models.__all__
        if f"ailoop.{name}" not in names and f"ailoop.models.{name}" not in names
    ]
    missing += [
        f"ailoop.testing.{name}"
        for name in ailoop.testing.__all__
        if f"ailoop.testing.{name}" not in names
    ]
    assert missing == []


def test_every_client_method_is_documented() -> None:
    names = documented()
    public = [name for name in vars(ailoop.AiloopClient) if not name.startswith("_")]
    missing = [name for name in public if f"ailoop.AiloopClient.{name}" not in names]
    assert missing == []


def test_the_version_is_written_once_in_version_py() -> None:
    root = DOCS.parent
    written = re.compile(r'^__version__ = "([^"]+)"', re.M)
    (version,) = written.findall((root / "ailoop" / "_version.py").read_text(encoding="utf-8"))
    assert version == ailoop.__version__
    for reader in ("setup.py", "docs/conf.py"):
        text = (root / reader).read_text(encoding="utf-8")
        assert '"ailoop" / "_version.py"' in text, reader
    others = [
        path
        for path in (root / "ailoop").rglob("*.py")
        if path.name != "_version.py" and written.search(path.read_text(encoding="utf-8"))
    ]
    assert others == []

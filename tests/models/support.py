"""Helpers of the model tests: loading the protocol vectors and comparing wire objects."""

import json
import re
from pathlib import Path
from typing import Any, Dict, List

REPO_ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR = REPO_ROOT / "tests" / "data" / "vectors"

_TIMESTAMP = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|\+00:00)$")


def load_vector(name: str) -> Dict[str, Any]:
    """One vector file as a dict (``frame``, ``notes``, ...)."""
    vector: Dict[str, Any] = json.loads((VECTORS_DIR / name).read_text(encoding="utf-8"))
    return vector


def vector_names() -> List[str]:
    """Every vector file name, sorted."""
    return sorted(path.name for path in VECTORS_DIR.glob("*.json"))


def same_up_to_fraction(ours: str, theirs: str) -> bool:
    """True when two timestamps agree except that ``theirs`` may carry more digits.

    The server writes 0, 3, 6 or 9 fractional digits; the models keep microseconds, so
    ``...07.482913Z`` stands for ``...07.482913551Z`` and ``.500Z`` for ``.500Z``.
    """
    mine, other = _TIMESTAMP.match(ours), _TIMESTAMP.match(theirs)
    if not mine or not other:
        return False
    if mine.group(1) != other.group(1) or mine.group(3) != other.group(3):
        return False
    digits_mine = (mine.group(2) or ".")[1:]
    digits_other = (other.group(2) or ".")[1:]
    return (
        len(digits_mine) in (0, 3, 6)
        and digits_other[: len(digits_mine)] == digits_mine
        and set(digits_other[len(digits_mine):]) <= set("0123456789")
        and (digits_other + "000000")[:6] == (digits_mine + "000000")[:6]
    )


def assert_wire_equal(ours: Any, theirs: Any, where: str = "frame") -> None:
    """Deep equality with key order, timestamps compared up to fractional precision."""
    if isinstance(theirs, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in theirs:
            assert_wire_equal(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs), f"{where}: {ours!r}"
        for index, (mine, other) in enumerate(zip(ours, theirs)):
            assert_wire_equal(mine, other, f"{where}[{index}]")
    elif isinstance(theirs, str) and _TIMESTAMP.match(theirs):
        assert isinstance(ours, str) and same_up_to_fraction(ours, theirs), (
            f"{where}: {ours!r} != {theirs!r}"
        )
    else:
        assert type(ours) is type(theirs) and ours == theirs, f"{where}: {ours!r} != {theirs!r}"

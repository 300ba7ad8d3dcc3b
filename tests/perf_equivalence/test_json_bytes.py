"""The parser of WebSocket frames and REST bodies (``ailoop._json_bytes.loads_bytes``) is
``json.loads``.

It parses compact UTF-8 JSON straight from the decoded text and hands everything else to
``json.loads``; for any bytes at all -- JSON in every encoding ``json.loads`` detects,
with byte-order marks, surrounding whitespace, trailing garbage, invalid UTF-8 -- the
result, or the kind of error, must be exactly ``json.loads``'s.
"""

from __future__ import annotations

import json
import math
from typing import Any, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

from ailoop._json_bytes import loads_bytes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le"]


@st.composite
def encoded_json(draw: Any) -> bytes:
    text = json.dumps(draw(json_values), separators=draw(st.sampled_from([(",", ":"), None])))
    text = draw(st.sampled_from(["", " ", "\n", "\t "])) + text
    text = text + draw(st.sampled_from(["", " ", "\r\n", "x", "}", "{}"]))
    return text.encode(draw(st.sampled_from(ENCODINGS)), "surrogatepass")


def _outcome(parse: Any, data: bytes) -> Tuple[str, Any]:
    try:
        return "value", parse(data)
    except ValueError as exc:
        return "error", type(exc)
    except RecursionError:
        return "error", RecursionError


def _same(left: Any, right: Any) -> bool:
    """Equality that takes NaN as equal to itself."""
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


@settings(max_examples=400, deadline=None)
@given(data=st.one_of(encoded_json(), st.binary(max_size=64)))
def test_frame_parser_agrees_with_json_loads(data: bytes) -> None:
    mine, theirs = _outcome(loads_bytes, data), _outcome(json.loads, data)
    assert mine[0] == theirs[0], (data, mine, theirs)
    assert _same(mine[1], theirs[1]) if mine[0] == "value" else mine[1] is theirs[1]


def test_a_server_frame_takes_the_shortcut_and_deep_nesting_still_fails() -> None:
    frame = b'{"id":"0c1d2e3f-aaaa-4bbb-8ccc-dddd0000eeee","channel":"c","content":{}}'
    assert loads_bytes(frame) == json.loads(frame)
    deep = b"[" * 100_000 + b"]" * 100_000
    assert _outcome(loads_bytes, deep) == _outcome(json.loads, deep)

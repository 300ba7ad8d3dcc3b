"""``json.loads`` for bytes, with a shortcut for compact UTF-8 JSON (what the server sends).

``json.loads(data)`` on bytes first guesses the encoding, decodes, then skips whitespace
around the value with two regular-expression matches: about 2 µs per WebSocket frame or
REST body. :func:`loads_bytes` parses the UTF-8 text directly and hands everything it
does not take whole -- other encodings, a byte-order mark, surrounding whitespace,
invalid input -- to ``json.loads``, so its result or error is always ``json.loads``'s
(tests/perf_equivalence/test_json_bytes.py).
"""

import json
from typing import Any

__all__ = ["loads_bytes"]

_DECODER = json.JSONDecoder()


def loads_bytes(data: bytes) -> Any:
    """``json.loads(data)``; raises what it raises (``ValueError``, ``RecursionError``)."""
    if type(data) is bytes:
        try:
            text = data.decode("utf-8")
            value, end = _DECODER.raw_decode(text)
        except ValueError:
            pass
        else:
            if end == len(text):
                return value
    return json.loads(data)

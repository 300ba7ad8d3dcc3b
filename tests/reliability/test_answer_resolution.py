"""A raw web-UI answer to a decision is final only if the server would accept it, and then
it means the option the server would pick (PROTOCOL.md §7.4: Rust ``str::trim``, exact
id, label ignoring ASCII case, 1-based ``usize``). Hostile answers probe every step:
exotic whitespace, case, signs, leading zeros, overflowing numbers, Unicode look-alikes.
The client's local resolution must agree with the server's on every one of them, or a
waiter would return an answer the human never gave.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ailoop import AiloopClient, Message
from ailoop._outcomes import resolve_decision_answer
from ailoop.testing import AiloopTestServer
from ailoop.testing._interaction import resolve_decision

pytestmark = pytest.mark.reliability

PIECES = [
    "a", "A", "b", "B", "yes", "Yes", "YES", "1", "2", "3", "+1", "+", "-1", "01", "0",
    "18446744073709551617", " ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e",
    "\x1f", "\x85", "\xa0", "\u1680", "\u2000", "\u2028", "\u202f", "\u3000", "\u200b",
    "\u180e", "\ufeff", "é", "É", "ß", "SS", "\u212a", "k", "K", "\uff11",
]  # fmt: skip
"""Fragments that separate Rust's rules from Python's habits (trim, case, numbers)."""

fragments = st.lists(st.sampled_from(PIECES), max_size=4).map("".join)
options = st.lists(
    st.fixed_dictionaries({"id": fragments, "label": fragments}), min_size=1, max_size=5
)


@st.composite
def options_and_answer(draw: Callable[..., Any]) -> Any:
    chosen: List[Dict[str, str]] = draw(options)
    pad = st.lists(st.sampled_from([p for p in PIECES if not p.strip() or p < " "]), max_size=2)
    core = draw(
        st.one_of(
            fragments,
            st.sampled_from([o["id"] for o in chosen] + [o["label"] for o in chosen]),
            st.sampled_from([o["label"].swapcase() for o in chosen]),
            st.integers(min_value=-2, max_value=len(chosen) + 2).map(str),
            st.integers(min_value=0, max_value=len(chosen)).map(lambda n: f"+{n}"),
            st.integers(min_value=0, max_value=len(chosen)).map(lambda n: f"0{n}"),
        )
    )
    return chosen, "".join(draw(pad)) + core + "".join(draw(pad))


@pytest.mark.slow
@settings(max_examples=700, deadline=None)
@given(case=options_and_answer())
def test_the_client_resolves_raw_answers_exactly_like_the_server(case: Any) -> None:
    chosen, answer = case
    assert resolve_decision_answer(chosen, answer) == resolve_decision(answer, chosen), (
        f"answer {answer!r} to options {chosen!r}"
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("\x1cgreen", None),  # U+001C is whitespace to Python, not to Rust's trim
        ("green\x1f", None),
        ("\xa0green\u3000", "green"),  # Unicode White_Space: trimmed by both
        ("GREEN", "green"),
        ("+2", "green"),
        ("02", "green"),
        ("\uff12", None),  # a full-width digit is not a usize
        ("18446744073709551618", None),
    ],
)
def test_raw_answers_over_the_wire_mean_what_the_server_says(
    make_server: Callable[..., AiloopTestServer],
    make_client: Callable[..., AiloopClient],
    raw: str,
    expected: Any,
) -> None:
    server = make_server()
    client = make_client(server.url, timeout=5.0, protocol="v1")
    prompt = client.ask_decision("colour", "Which colour?", ["red", "green", "blue"], timeout=0)
    outcome: queue.Queue[Any] = queue.Queue()

    def wait() -> None:
        try:
            outcome.put(client.wait_for_response(prompt.id, timeout=20.0))
        except BaseException as exc:
            outcome.put(exc)

    threading.Thread(target=wait, name="test-waiter", daemon=True).start()
    server.wait_for_pending(10.0, message_id=prompt.id)
    server.respond(prompt.id, raw)
    if expected is None:
        # The server did not accept it and asks again; the next answer is the real one.
        server.wait_for_pending(10.0, message_id=prompt.id)
        server.respond(prompt.id, "blue")
        expected = "blue"
    response = outcome.get(timeout=20.0)
    assert isinstance(response, Message), repr(response)
    assert response.content.answer == expected  # type: ignore[union-attr]

"""Finality rules of PROTOCOL.md §7.4, §7.10, §8.7 and §11 item 4, on wire dicts."""

import json
import pathlib
from typing import Any, Dict, Optional

import pytest

from ailoop._outcomes import evaluate_response, resolve_choice, resolve_decision_answer

VECTORS = pathlib.Path(__file__).resolve().parents[1] / "data" / "vectors"
PROMPT_ID = "3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234"

DECISION = {
    "type": "decision",
    "decision_id": "deploy-strategy",
    "summary": "Which strategy?",
    "options": [
        {"id": "blue-green", "label": "Blue/Green"},
        {"id": "canary", "label": "Canary (10%)"},
        {"id": "rollback", "label": "Rollback"},
    ],
    "timeout_seconds": 300,
}
QUESTION = {
    "type": "question",
    "text": "Which color?",
    "timeout_seconds": 60,
    "choices": ["Red", "Blue", "Green"],
}
AUTHORIZATION = {
    "type": "authorization",
    "action": "Deploy",
    "context": None,
    "timeout_seconds": 300,
}
NAVIGATE = {"type": "navigate", "url": "https://example.org"}


def response(
    answer: Optional[str], response_type: str = "text", metadata: Any = None
) -> Dict[str, Any]:
    frame: Dict[str, Any] = {
        "id": "a1b2c3d4-0001-4f00-8a00-000000000001",
        "channel": "ops",
        "sender_type": "HUMAN",
        "content": {"type": "response", "answer": answer, "response_type": response_type},
        "timestamp": "2026-06-11T09:31:07.482913551Z",
        "correlation_id": PROMPT_ID,
    }
    if metadata is not None:
        frame["metadata"] = metadata
    return frame


def vector(name: str) -> Dict[str, Any]:
    return json.loads((VECTORS / f"{name}.json").read_text())["frame"]


@pytest.mark.parametrize(
    ("answer", "option_id", "index"),
    [
        ("blue-green", "blue-green", 0),
        ("  canary\n", "canary", 1),
        ("blue/green", "blue-green", 0),
        ("ROLLBACK", "rollback", 2),
        ("2", "canary", 1),
        ("+3", "rollback", 2),
        (" 1 ", "blue-green", 0),
    ],
)
def test_raw_decision_answers_resolve_like_the_server(
    answer: str, option_id: str, index: int
) -> None:
    outcome = evaluate_response(DECISION, response(answer))
    assert outcome.final
    assert outcome.response["content"]["answer"] == option_id
    label = DECISION["options"][index]["label"]  # type: ignore[index]
    assert outcome.response["metadata"] == {"option_id": option_id, "label": label, "index": index}


@pytest.mark.parametrize("answer", ["maybe", "0", "4", "-1", "1.0", "Blue-Green ", "canary!", "٢"])
def test_unresolvable_raw_decision_answers_are_not_final(answer: str) -> None:
    outcome = evaluate_response(DECISION, response(answer))
    assert not outcome.final


def test_resolution_order_is_id_then_label_then_number() -> None:
    options = [{"id": "2", "label": "first"}, {"id": "x", "label": "1"}, {"id": "y", "label": "z"}]
    assert resolve_decision_answer(options, "2") == ("2", "first", 0)
    assert resolve_decision_answer(options, "1") == ("x", "1", 1)
    assert resolve_decision_answer(options, "3") == ("y", "z", 2)


def test_label_match_ignores_ascii_case_only() -> None:
    options = [{"id": "a", "label": "ÄRGER"}, {"id": "b", "label": "Other"}]
    assert resolve_decision_answer(options, "ärger") is None
    assert resolve_decision_answer(options, "OTHER") == ("b", "Other", 1)


def test_normalization_returns_a_copy() -> None:
    raw = response("2")
    outcome = evaluate_response(DECISION, raw)
    assert raw["content"]["answer"] == "2" and "metadata" not in raw
    assert outcome.response["id"] == raw["id"]


@pytest.mark.parametrize(
    ("frame", "final"),
    [
        (
            response(
                "blue-green",
                metadata={"option_id": "blue-green", "label": "Blue/Green", "index": 0},
            ),
            True,
        ),
        (response(None, "timeout"), True),
        (response(None, "text"), True),
        (response(None, "authorization_approved"), True),
        (response(None, "authorization_denied"), True),
        (response(None, "cancelled"), False),
        (response("blue-green", "cancelled"), False),
    ],
)
def test_decision_outcomes(frame: Dict[str, Any], final: bool) -> None:
    outcome = evaluate_response(DECISION, frame)
    assert outcome.final is final
    if final:
        assert outcome.response == frame


def test_protocol_vectors() -> None:
    prompt = vector("v1_decision_message")["content"]
    assert evaluate_response(prompt, vector("v1_response_to_decision")).final
    assert evaluate_response(prompt, vector("v1_response_to_decision_raw")).final
    assert evaluate_response(prompt, vector("v1_response_to_decision_timeout")).final
    assert not evaluate_response(prompt, vector("v1_response_to_decision_cancelled")).final
    assert not evaluate_response(prompt, vector("edge_raw_unmatched_decision_answer")).final
    authorization = vector("v1_authorization_message")["content"]
    assert evaluate_response(authorization, vector("v1_response_to_authorization_approved")).final
    assert evaluate_response(authorization, vector("v1_response_to_authorization_timeout")).final
    navigate = vector("v1_navigate_message")["content"]
    assert evaluate_response(navigate, vector("v1_response_to_navigate_approved")).final
    assert not evaluate_response(navigate, vector("v1_response_to_navigate_timeout")).final
    question = vector("v0_question_message")["content"]
    canonical = evaluate_response(question, vector("v0_response_to_question"))
    assert canonical.final and canonical.response["content"]["answer"] == "Blue"
    free = evaluate_response(question, vector("v0_response_to_question_free_text"))
    assert free.final and free.response["content"]["answer"] == "Teal, actually"


@pytest.mark.parametrize(
    "prompt", [AUTHORIZATION, NAVIGATE, None, {"type": "notification", "text": "x"}]
)
@pytest.mark.parametrize(
    ("response_type", "final"),
    [
        ("authorization_approved", True),
        ("authorization_denied", True),
        ("timeout", True),
        ("text", True),
        ("cancelled", False),
    ],
)
def test_other_prompts_are_final_unless_cancelled(
    prompt: Any, response_type: str, final: bool
) -> None:
    frame = response(None, response_type)
    outcome = evaluate_response(prompt, frame)
    assert outcome.final is final
    assert outcome.response == frame


@pytest.mark.parametrize(
    ("answer", "choice", "index"),
    [("Blue", "Blue", 1), ("blue", "Blue", 1), (" 3 ", "Green", 2), ("1", "Red", 0)],
)
def test_question_answers_naming_a_choice_become_the_choice_text(
    answer: str, choice: str, index: int
) -> None:
    outcome = evaluate_response(QUESTION, response(answer))
    assert outcome.final
    assert outcome.response["content"]["answer"] == choice
    assert outcome.response["metadata"] == {
        "option_id": choice,
        "label": choice,
        "index": index,
        "value": choice,
    }


def test_question_free_text_and_other_types() -> None:
    assert evaluate_response(QUESTION, response("Teal")).response["content"]["answer"] == "Teal"
    assert evaluate_response(QUESTION, response("Teal")).final
    assert evaluate_response(QUESTION, response(None, "timeout")).final
    assert not evaluate_response(QUESTION, response(None, "cancelled")).final
    free_question = {"type": "question", "text": "Why?", "timeout_seconds": 0}
    assert evaluate_response(free_question, response("because")).final


def test_resolve_choice_prefers_exact_text_over_numbers() -> None:
    assert resolve_choice(["3", "1", "2"], "1") == 1
    assert resolve_choice(["a", "b"], "3") is None


def test_malformed_responses_are_never_final() -> None:
    frame = response("x")
    frame["content"] = "not an object"
    assert not evaluate_response(DECISION, frame).final


@pytest.mark.parametrize(
    ("answer", "resolved"),
    [("\x1ccanary", None), ("canary\x1f", None), ("\xa0canary\u3000", "canary"), ("02", "canary")],
)
def test_trimming_follows_rust_not_python(answer: str, resolved: Optional[str]) -> None:
    outcome = evaluate_response(DECISION, response(answer))
    assert outcome.final is (resolved is not None)
    if resolved is not None:
        assert outcome.response["content"]["answer"] == resolved

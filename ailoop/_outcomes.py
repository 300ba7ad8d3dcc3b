"""Which response to a prompt is *final*, and what it means (PROTOCOL.md §7.4, §7.10,
§8.7, §11 item 4).

A prompt can receive several responses carrying its id as ``correlation_id``: the raw
response stored by ``POST /api/v1/messages/{id}/response`` (exactly what the web UI or a
client posted), then -- if the server's prompt loop accepted it -- a canonical response
that is only broadcast. A ``cancelled`` response means "skipped, asked again later" and
a decision answer that matches no option makes the server ask again. These functions
work on decoded JSON objects (wire dicts), so they cost next to nothing:

* decision: final when canonical (``metadata.option_id``), ``timeout``,
  ``authorization_*``, a ``text`` with a null answer, or a raw ``text`` answer that
  resolves like the server resolves it (trim; exact option id; option label ignoring
  ASCII case; 1-based number). A resolved raw answer is returned as a copy whose
  ``answer`` is the option id and whose ``metadata`` is ``{option_id, label, index}``
  (0-based index), exactly like the canonical response.
* question (v0 servers): any answer but ``cancelled`` is final (free text allowed); an
  answer naming a choice (exact, ignoring case, or 1-based number) is returned as a copy
  whose ``answer`` is the choice text and whose ``metadata`` is
  ``{option_id, label, index, value}`` (option id and label are the choice text).
* authorization, navigate and anything else: final unless ``cancelled`` (a server-side
  authorization timeout arrives as ``authorization_denied``, a navigate timeout as
  ``cancelled``).
"""

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

__all__ = ["Outcome", "evaluate_response", "resolve_choice", "resolve_decision_answer"]

_CANCELLED = "cancelled"
_TEXT = "text"
_DECISION_FINAL_TYPES = frozenset({"timeout", "authorization_approved", "authorization_denied"})
# Rust's `str::parse::<usize>` accepts ASCII digits with an optional leading '+'.
_USIZE = re.compile(r"\+?[0-9]+")
_USIZE_DIGITS = 20  # 2**64 - 1 has 20 digits
# Rust's `str::trim` strips the Unicode White_Space characters, and only those (Python's
# `str.strip()` also strips U+001C..U+001F, which would resolve answers the server rejects).
_RUST_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@dataclass(frozen=True)
class Outcome:
    """The verdict on one response: ``final`` or not, and the wire dict to hand out
    (a normalized copy when a raw answer was resolved, else the response itself).
    """

    final: bool
    response: Dict[str, Any]


def evaluate_response(
    prompt_content: Optional[Mapping[str, Any]], response: Mapping[str, Any]
) -> Outcome:
    """Judge ``response`` (a response message as a wire dict) to the prompt whose wire
    ``content`` is ``prompt_content`` (None when the prompt is unknown).
    """
    content = response.get("content")
    if not isinstance(content, Mapping):
        return Outcome(False, dict(response))
    response_type = content.get("response_type")
    if response_type == _CANCELLED or not isinstance(response_type, str):
        return Outcome(False, dict(response))  # asked again, or nothing a server could send
    kind = prompt_content.get("type") if prompt_content is not None else None
    if kind == "decision" and prompt_content is not None:
        return _decision_outcome(prompt_content, response, content, response_type)
    if kind == "question" and prompt_content is not None:
        return _question_outcome(prompt_content, response, content, response_type)
    return Outcome(True, dict(response))


def resolve_decision_answer(
    options: Sequence[Mapping[str, Any]], answer: str
) -> Optional[Tuple[str, str, int]]:
    """Resolve a decision answer the way the server does: ``(option id, label, index)``
    or None. Order: trimmed exact id, label ignoring ASCII case, 1-based number.
    """
    wanted = answer.strip(_RUST_WHITESPACE)
    pairs = _option_pairs(options)
    for index, (option_id, label) in enumerate(pairs):
        if option_id == wanted:
            return option_id, label, index
    folded = wanted.translate(_ASCII_LOWER)
    for index, (option_id, label) in enumerate(pairs):
        if label.translate(_ASCII_LOWER) == folded:
            return option_id, label, index
    number = _one_based(wanted, len(options))
    if number is not None and number < len(pairs):
        option_id, label = pairs[number]
        return option_id, label, number
    return None


def resolve_choice(choices: Sequence[Any], answer: str) -> Optional[int]:
    """The 0-based index of the v0 ``question`` choice that ``answer`` names, or None.
    Order: trimmed exact text, text ignoring ASCII case, 1-based number.
    """
    wanted = answer.strip(_RUST_WHITESPACE)
    texts = [choice if isinstance(choice, str) else "" for choice in choices]
    if wanted in texts:
        return texts.index(wanted)
    folded = wanted.translate(_ASCII_LOWER)
    for index, text in enumerate(texts):
        if text and text.translate(_ASCII_LOWER) == folded:
            return index
    return _one_based(wanted, len(texts))


def _decision_outcome(
    prompt_content: Mapping[str, Any],
    response: Mapping[str, Any],
    content: Mapping[str, Any],
    response_type: Any,
) -> Outcome:
    metadata = response.get("metadata")
    if isinstance(metadata, Mapping) and "option_id" in metadata:
        return Outcome(True, dict(response))
    answer = content.get("answer")
    if response_type in _DECISION_FINAL_TYPES or response_type != _TEXT or answer is None:
        return Outcome(True, dict(response))
    options = prompt_content.get("options")
    if not isinstance(answer, str) or not isinstance(options, list):
        return Outcome(False, dict(response))
    resolved = resolve_decision_answer(options, answer)
    if resolved is None:
        return Outcome(False, dict(response))
    option_id, label, index = resolved
    metadata = {"option_id": option_id, "label": label, "index": index}
    return Outcome(True, _normalized(response, option_id, metadata))


def _question_outcome(
    prompt_content: Mapping[str, Any],
    response: Mapping[str, Any],
    content: Mapping[str, Any],
    response_type: Any,
) -> Outcome:
    answer = content.get("answer")
    choices = prompt_content.get("choices")
    if response_type != _TEXT or not isinstance(answer, str) or not isinstance(choices, list):
        return Outcome(True, dict(response))
    index = resolve_choice(choices, answer)
    if index is None:
        return Outcome(True, dict(response))
    choice = choices[index]
    metadata = {"option_id": choice, "label": choice, "index": index, "value": choice}
    return Outcome(True, _normalized(response, choice, metadata))


def _normalized(
    response: Mapping[str, Any], answer: str, metadata: Dict[str, Any]
) -> Dict[str, Any]:
    """A copy of ``response`` with a new answer and metadata; a shallow copy, because
    only those two change (a deep copy of hostile, deeply nested fields would recurse).
    """
    result = dict(response)
    result["content"] = dict(response["content"], answer=answer)
    result["metadata"] = metadata
    return result


def _option_pairs(options: Sequence[Any]) -> List[Tuple[str, str]]:
    """``(id, label)`` of each option, up to the first malformed one (which the server
    could not have accepted, so nothing after it is trusted).
    """
    pairs = []
    for option in options:
        option_id = option.get("id") if isinstance(option, Mapping) else None
        label = option.get("label") if isinstance(option, Mapping) else None
        if not isinstance(option_id, str) or not isinstance(label, str):
            break
        pairs.append((option_id, label))
    return pairs


def _one_based(text: str, count: int) -> Optional[int]:
    """The 0-based index a 1-based number names, parsed like Rust's ``usize`` (leading
    zeros allowed, more than 64 bits refused) without ever building a huge ``int``.
    """
    if not _USIZE.fullmatch(text):
        return None
    significant = text.lstrip("+").lstrip("0")
    if len(significant) > _USIZE_DIGITS:
        return None
    number = int(significant or "0")
    if 1 <= number <= count:
        return number - 1
    return None

"""Local argument validation: every rule of ``ailoop._validation``."""

import math
import threading
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

import pytest

from ailoop import (
    DecisionOption,
    DecisionRecommendation,
    NotificationPriority,
    ResponseType,
    ValidationError,
)
from ailoop._validation import (
    MAX_WAIT_SECONDS,
    U32_MAX,
    channel_problem,
    validate_channel,
    validate_choices,
    validate_decision_options,
    validate_priority,
    validate_prompt_timeout,
    validate_response_type,
    validate_text,
    validate_url,
    validate_uuid,
    validate_wait_timeout,
)

HUGE = pytest.param(10**400, id="10**400")
INVALID_CHARS = (
    "Channel name contains invalid characters "
    "(only letters, numbers, hyphens, and underscores allowed)"
)


class TestChannel:
    @pytest.mark.parametrize(
        "name", ["public", "ops", "A", "9", "Ops-2_b", "a" * 64, "x-", "x_", "0admin", "systems"]
    )
    def test_valid(self, name: str) -> None:
        assert validate_channel(name) == name
        assert channel_problem(name) is None

    @pytest.mark.parametrize(
        ("name", "problem"),
        [
            ("", "Channel name is empty"),
            ("a" * 65, "Channel name is too long (max 64 characters)"),
            ("é" * 33, "Channel name is too long (max 64 characters)"),
            ("-ops", "Channel name must start with a letter or number"),
            ("_ops", "Channel name must start with a letter or number"),
            ("é", "Channel name must start with a letter or number"),
            (" ops", "Channel name must start with a letter or number"),
            ("*", "Channel name must start with a letter or number"),
            ("system", "Channel name is reserved: system"),
            ("System", "Channel name is reserved: System"),
            ("ADMIN", "Channel name is reserved: ADMIN"),
            ("internal", "Channel name is reserved: internal"),
            ("reserved", "Channel name is reserved: reserved"),
            ("aiLoop", "Channel name is reserved: aiLoop"),
            ("ops team", INVALID_CHARS),
            ("ops.prod", INVALID_CHARS),
            ("opsé", INVALID_CHARS),
            ("ops/", INVALID_CHARS),
            ("a\n", INVALID_CHARS),
        ],
    )
    def test_server_rules_and_texts(self, name: str, problem: str) -> None:
        assert channel_problem(name) == problem
        with pytest.raises(ValidationError) as caught:
            validate_channel(name)
        assert problem in str(caught.value)
        assert "channel" in str(caught.value)

    def test_length_is_counted_in_bytes_before_the_first_character(self) -> None:
        assert channel_problem("a" + "é" * 32) == "Channel name is too long (max 64 characters)"
        assert channel_problem("a" + "é" * 31) == INVALID_CHARS

    def test_wildcard(self) -> None:
        assert validate_channel("*", allow_wildcard=True) == "*"
        with pytest.raises(ValidationError):
            validate_channel("*")
        with pytest.raises(ValidationError):
            validate_channel("**", allow_wildcard=True)

    @pytest.mark.parametrize("name", [None, 1, b"ops", ["ops"]])
    def test_not_a_string(self, name: Any) -> None:
        with pytest.raises(ValidationError, match="channel must be a string"):
            validate_channel(name)


class TestText:
    def test_valid(self) -> None:
        assert validate_text(" Deploy? ", "question") == " Deploy? "

    @pytest.mark.parametrize("value", ["", "   ", "\n\t"])
    def test_blank(self, value: str) -> None:
        with pytest.raises(ValidationError, match="question must not be empty"):
            validate_text(value, "question")

    @pytest.mark.parametrize("value", [None, 1, b"x", ["x"]])
    def test_not_a_string(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="question must be a string"):
            validate_text(value, "question")


class TestPromptTimeout:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (None, 0),
            (0, 0),
            (0.0, 0),
            (-0.0, 0),
            (60, 60),
            (0.1, 1),
            (59.0001, 60),
            (1e-300, 1),
            (Fraction(1, 3), 1),
            (U32_MAX, U32_MAX),
            (float(U32_MAX), U32_MAX),
            (U32_MAX - 0.5, U32_MAX),
        ],
    )
    def test_rounds_up_to_whole_seconds(self, value: Any, expected: int) -> None:
        result = validate_prompt_timeout(value)
        assert result == expected
        assert type(result) is int

    @pytest.mark.parametrize(
        ("value", "problem"),
        [
            (-1, "must not be negative"),
            (-0.001, "must not be negative"),
            (math.nan, "finite"),
            (math.inf, "finite"),
            (-math.inf, "finite"),
            (U32_MAX + 1, "at most 4294967295"),
            (U32_MAX + 0.5, "at most 4294967295"),
            (1e300, "at most 4294967295"),
            pytest.param(10**400, "at most 4294967295", id="10**400"),
            pytest.param(-(10**400), "must not be negative", id="-10**400"),
            (True, "number of seconds"),
            (False, "number of seconds"),
            ("60", "number of seconds"),
            (Decimal("60"), "number of seconds"),
            ([60], "number of seconds"),
        ],
    )
    def test_rejects(self, value: Any, problem: str) -> None:
        with pytest.raises(ValidationError, match=f"wait_for.*{problem}"):
            validate_prompt_timeout(value, "wait_for")

    def test_default_name(self) -> None:
        with pytest.raises(ValidationError, match=r"^timeout "):
            validate_prompt_timeout(-1)


class TestWaitTimeout:
    @pytest.mark.parametrize("value", [0, 0.0, 0.25, 30, 86400.5, Fraction(1, 4)])
    def test_valid(self, value: Any) -> None:
        assert validate_wait_timeout(value) == float(value)

    def test_none_means_no_deadline(self) -> None:
        assert validate_wait_timeout(None) is None

    @pytest.mark.parametrize("value", [1e12, 1e300, HUGE])
    def test_huge_values_are_capped_to_something_event_wait_accepts(self, value: Any) -> None:
        capped = validate_wait_timeout(value)
        assert capped == MAX_WAIT_SECONDS
        assert capped is not None and capped <= threading.TIMEOUT_MAX
        assert min(threading.TIMEOUT_MAX, 365 * 86400) <= MAX_WAIT_SECONDS

    @pytest.mark.parametrize(
        "value", [-1, -0.5, math.nan, math.inf, -math.inf, True, "5", Decimal("1")]
    )
    def test_rejects(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="timeout"):
            validate_wait_timeout(value)


class TestEnums:
    @pytest.mark.parametrize(
        "value", ["high", "HIGH", " High ", NotificationPriority.HIGH]
    )
    def test_priority(self, value: Any) -> None:
        assert validate_priority(value) is NotificationPriority.HIGH

    @pytest.mark.parametrize("value", ["max", "", None, 2, "hi gh"])
    def test_bad_priority(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="priority"):
            validate_priority(value)

    @pytest.mark.parametrize(
        "value",
        ["authorization_approved", "AUTHORIZATION_APPROVED", ResponseType.AUTHORIZATION_APPROVED],
    )
    def test_response_type(self, value: Any) -> None:
        assert validate_response_type(value) is ResponseType.AUTHORIZATION_APPROVED

    @pytest.mark.parametrize("value", ["approved", "", None, 1, "cancel"])
    def test_bad_response_type(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="response_type: expected one of"):
            validate_response_type(value)


class TestUrl:
    @pytest.mark.parametrize(
        "url",
        [
            "https://grafana.example.com/d/deploy",
            "http://localhost:8080",
            "http://127.0.0.1/x?y=1#z",
            "http://[::1]:80/",
            "ftp://files.example.org/a",
            "https://user@host.example/",
        ],
    )
    def test_valid(self, url: str) -> None:
        assert validate_url(url) == url

    @pytest.mark.parametrize(
        "url",
        [
            "",
            "grafana.example.com",
            "/relative/path",
            "https://",
            "https:///path",
            "mailto:someone@example.com",
            "file:///etc/passwd",
            "https://exa mple.com",
            "https://example.com/a b",
            "https://example.com/\n",
            "http://host:99999/",
            "http://host:port/",
            "http://[::1/",
        ],
    )
    def test_invalid(self, url: str) -> None:
        with pytest.raises(ValidationError, match="link"):
            validate_url(url, "link")

    def test_not_a_string(self) -> None:
        with pytest.raises(ValidationError, match="url must be a string"):
            validate_url(None)


class TestUuid:
    def test_forms(self) -> None:
        value = UUID("3f2a9c1e-7b4d-4e8a-9c21-5d6e7f801234")
        assert validate_uuid(value, "message_id") is value
        assert validate_uuid(str(value).upper(), "message_id") == value
        assert validate_uuid(value.hex, "message_id") == value

    @pytest.mark.parametrize("value", ["", "nope", "3f2a9c1e", 5, None, b"x" * 16])
    def test_invalid(self, value: Any) -> None:
        with pytest.raises(ValidationError, match="message_id"):
            validate_uuid(value, "message_id")


class TestChoices:
    @pytest.mark.parametrize(
        "choices", [["Red", "Blue"], ("Red", "Blue", "Green"), ["1", "2"], ["a", " a "]]
    )
    def test_valid(self, choices: Any) -> None:
        result = validate_choices(choices)
        assert result == list(choices)
        assert isinstance(result, list)

    @pytest.mark.parametrize(
        ("choices", "problem"),
        [
            ([], "at least 2"),
            (["Red"], "at least 2"),
            (["Red", "red"], "duplicate"),
            (["Straße", "STRASSE"], "duplicate"),
            (["Red", ""], r"choices\[1\] must not be empty"),
            (["Red", "  "], r"choices\[1\] must not be empty"),
            (["Red", 2], r"choices\[1\] must be a string"),
            ("RedBlue", "must be a list"),
            (None, "must be a list"),
            ({"Red", "Blue"}, "must be a list"),
        ],
    )
    def test_invalid(self, choices: Any, problem: str) -> None:
        with pytest.raises(ValidationError, match=problem):
            validate_choices(choices)


class TestDecisionOptions:
    def test_strings_become_options(self) -> None:
        options, recommendation = validate_decision_options(["Red", "Blue"])
        assert options == [DecisionOption("Red", "Red"), DecisionOption("Blue", "Blue")]
        assert recommendation is None

    def test_mixed_and_recommendation_by_id(self) -> None:
        given = [DecisionOption("bg", "Blue/Green", "swap"), "canary"]
        options, recommendation = validate_decision_options(given, "bg")
        assert options[0] is given[0]
        assert options[1] == DecisionOption("canary", "canary")
        assert recommendation == DecisionRecommendation("bg")

    def test_recommendation_object(self) -> None:
        wanted = DecisionRecommendation("b", "because")
        _, recommendation = validate_decision_options(["a", "b"], wanted)
        assert recommendation is wanted

    def test_ids_are_case_sensitive_as_on_the_server(self) -> None:
        options, _ = validate_decision_options(["a", "A"])
        assert [option.id for option in options] == ["a", "A"]

    @pytest.mark.parametrize(
        ("options", "recommendation", "problem"),
        [
            ([], None, "at least 2"),
            (["only"], None, "at least 2"),
            (["a", "a"], None, "duplicate id: 'a'"),
            ([DecisionOption("a", "x"), DecisionOption("a", "y")], None, "duplicate id"),
            (["a", ""], None, r"options\[1\] has an empty"),
            ([DecisionOption(" ", "blank"), "b"], None, r"options\[0\] has an empty"),
            (["a", 3], None, r"options\[1\] must be a DecisionOption or a string"),
            ([DecisionOption(1, "x"), "b"], None, r"options\[0\] must have string"),  # type: ignore[arg-type]
            ([DecisionOption("a", "x", 5), "b"], None, "detail_markdown"),  # type: ignore[arg-type]
            ("ab", None, "options must be a list"),
            (None, None, "options must be a list"),
            (["a", "b"], "c", "recommendation 'c' is not one of the option ids"),
            (["a", "b"], DecisionRecommendation("A"), "not one of the option ids"),
            (["a", "b"], 1, "recommendation must be an option id"),
        ],
    )
    def test_invalid(self, options: Any, recommendation: Any, problem: str) -> None:
        with pytest.raises(ValidationError, match=problem):
            validate_decision_options(options, recommendation)

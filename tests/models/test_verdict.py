"""ailoop.approved: only an authorization_approved response is a yes (fail closed)."""

import pytest

from ailoop import (
    AuthorizationContent,
    Message,
    NotificationContent,
    ResponseContent,
    ResponseType,
    ValidationError,
    approved,
)


def _response(response_type: ResponseType, answer: str = "yes") -> Message:
    return Message.new("ops", ResponseContent(answer=answer, response_type=response_type))


def test_only_authorization_approved_approves() -> None:
    assert approved(_response(ResponseType.AUTHORIZATION_APPROVED)) is True


@pytest.mark.parametrize(
    "response_type",
    [
        ResponseType.TEXT,
        ResponseType.AUTHORIZATION_DENIED,
        ResponseType.TIMEOUT,
        ResponseType.CANCELLED,
    ],
)
def test_every_other_response_type_is_a_denial(response_type: ResponseType) -> None:
    assert approved(_response(response_type, answer="yes")) is False


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        "authorization_approved",
        {"content": {"type": "response", "response_type": "authorization_approved"}},
        Message.new("ops", AuthorizationContent(action="deploy")),
        Message.new("ops", NotificationContent(text="approved")),
    ],
)
def test_anything_that_is_not_a_response_message_is_not_approval(value: object) -> None:
    assert approved(value) is False


def test_an_unknown_response_type_never_becomes_a_message_that_could_approve() -> None:
    frame = {
        "id": "0b0c0f43-5a5c-4a43-9d4b-4b9a0f1f6a10",
        "channel": "ops",
        "sender_type": "HUMAN",
        "content": {"type": "response", "answer": None, "response_type": "approved_maybe"},
        "timestamp": "2026-01-01T00:00:00Z",
    }
    with pytest.raises(ValidationError, match="response_type"):
        Message.from_wire(frame)

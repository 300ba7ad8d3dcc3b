"""The error tree: inheritance, attributes, ``str()``, pickling."""

import builtins
import pickle
import re
from uuid import UUID

import pytest

import ailoop
from ailoop import (
    AiloopError,
    ApprovalDenied,
    AuthenticationError,
    ClientClosedError,
    ConnectionError,
    DeliveryError,
    Message,
    NotFoundError,
    NotificationContent,
    ServerError,
    TimeoutError,
    ValidationError,
)

ERRORS = [
    AiloopError,
    ConnectionError,
    ServerError,
    TimeoutError,
    ValidationError,
    NotFoundError,
    AuthenticationError,
    DeliveryError,
    ClientClosedError,
    ApprovalDenied,
]


@pytest.mark.parametrize(
    ("error", "parents"),
    [
        (ConnectionError, (AiloopError, builtins.ConnectionError, OSError)),
        (ServerError, (ConnectionError, AiloopError, builtins.ConnectionError)),
        (TimeoutError, (AiloopError, builtins.TimeoutError, OSError)),
        (ValidationError, (AiloopError, ValueError)),
        (NotFoundError, (ValidationError, AiloopError, ValueError)),
        (AuthenticationError, (AiloopError,)),
        (DeliveryError, (AiloopError,)),
        (ClientClosedError, (AiloopError,)),
    ],
)
def test_hierarchy(error: type, parents: tuple) -> None:
    for parent in parents:
        assert issubclass(error, parent)
    assert issubclass(error, Exception)


def test_siblings_are_distinct() -> None:
    assert not issubclass(AuthenticationError, ConnectionError)
    assert not issubclass(TimeoutError, ConnectionError)
    assert not issubclass(DeliveryError, TimeoutError)
    assert not issubclass(ValidationError, ConnectionError)


def test_builtin_except_clauses_still_catch() -> None:
    with pytest.raises(builtins.TimeoutError):
        raise TimeoutError("late")
    with pytest.raises(builtins.ConnectionError):
        raise ServerError("down", status_code=503)
    with pytest.raises(ValueError):
        raise NotFoundError("gone", status_code=404)


@pytest.mark.parametrize("error", ERRORS)
def test_common_attributes_default_to_none(error: type) -> None:
    raised = error("boom")
    assert raised.message == "boom"
    assert str(raised) == "boom"
    for name in ("status_code", "server_message", "method", "path"):
        assert getattr(raised, name) is None


def test_str_names_request_status_and_server_text() -> None:
    error = NotFoundError(
        "message not found",
        status_code=404,
        server_message="Message not found",
        method="GET",
        path="/api/v1/messages/deadbeef-0000-4000-8000-000000000000",
    )
    text = str(error)
    assert text.startswith("message not found")
    assert "GET /api/v1/messages/deadbeef-0000-4000-8000-000000000000" in text
    assert "HTTP 404" in text
    assert "'Message not found'" in text
    assert repr(error) == f"NotFoundError({text!r})"


def test_server_text_already_in_the_message_is_not_repeated() -> None:
    text = "server shutting down"
    error = ServerError(text, status_code=503, server_message=text)
    assert str(error) == "server shutting down (HTTP 503)"


def test_method_without_path() -> None:
    assert str(AuthenticationError("no", method="POST")) == "no (POST)"


def test_specific_fields() -> None:
    prompt = Message.new("ops", NotificationContent("x"))
    assert TimeoutError("t", last_response=prompt).last_response is prompt
    assert TimeoutError("t").last_response is None
    task = UUID(int=7)
    assert NotFoundError("n", task_id=task).task_id == task
    assert NotFoundError("n").message_id is None
    assert DeliveryError("d", message_id=task).message_id == task


@pytest.mark.parametrize("error", ERRORS)
def test_pickles_with_every_attribute(error: type) -> None:
    raised = error("boom", status_code=500, server_message="bad", method="GET", path="/p")
    copy = pickle.loads(pickle.dumps(raised))
    assert type(copy) is error
    assert str(copy) == str(raised)
    assert vars(copy) == vars(raised)


def test_timeout_error_pickles_its_last_response() -> None:
    prompt = Message.new("ops", NotificationContent("x"), metadata={"a": [1]})
    copy = pickle.loads(pickle.dumps(TimeoutError("t", last_response=prompt, status_code=1)))
    assert copy.last_response == prompt
    assert copy.status_code == 1


def test_exceptions_are_exported_and_documented() -> None:
    for error in ERRORS:
        assert getattr(ailoop, error.__name__) is error
        assert error.__doc__
    tree = ailoop.exceptions.__doc__ or ""
    public_errors = {
        name
        for name, value in vars(ailoop).items()
        if isinstance(value, type) and issubclass(value, AiloopError) and value is not AiloopError
    }
    assert public_errors >= {error.__name__ for error in ERRORS[1:]}
    for name in public_errors:
        assert re.search(rf"[├└]── {name}\b", tree), f"{name} missing from the error tree"

"""The one rule that turns a response into a yes: fail closed.

Only a ``response`` whose ``response_type`` is exactly ``authorization_approved``
approves. A text reply (even ``"yes"``), a denial, a server-side timeout, a
cancellation, an unknown response type, content of another type, ``None`` or any other
object is *not* an approval. Everything in this project that decides (the CLI, the demo,
the recipes, ``require_approval``) asks this function and nothing else.
"""

from typing import Any

from ailoop._public import present_as
from ailoop.models import Message, ResponseContent, ResponseType

__all__ = ["approved"]


def approved(response: Any) -> bool:
    """True only when ``response`` is a :class:`~ailoop.Message` approving an authorization.

    Fail closed: every other final response (``authorization_denied``, ``timeout``,
    ``cancelled``, a ``text`` answer such as ``"yes"`` or ``"no"``, an unknown response
    type) and anything that is not a response message gives ``False``. A client-side
    deadline raises :class:`ailoop.TimeoutError` before there is a response to ask about;
    treat that as not approved too.
    """
    if not isinstance(response, Message):
        return False
    content = response.content
    return (
        isinstance(content, ResponseContent)
        and content.response_type is ResponseType.AUTHORIZATION_APPROVED
    )


present_as("ailoop", globals(), __all__)

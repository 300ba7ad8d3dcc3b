"""What a model reads when a person refused a tool call."""

from ailoop.exceptions import ApprovalDenied

__all__ = ["tell_the_model"]


def tell_the_model(denial: ApprovalDenied) -> str:
    """The adapters' default ``on_denied``: a sentence the model can act on."""
    return (
        f"A human did not approve this call, so it was not run: {denial.reason}. "
        "Do not retry it unchanged."
    )

"""Make the recipe apps in ``examples/`` importable, and give tests a scripted human."""

import pathlib
import sys
from typing import Callable, Optional

from ailoop.models import Message

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples"

for _path in (EXAMPLES, EXAMPLES / "django_app"):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

#: Generous bound on anything that waits for the stand-in's human (2 noisy cores).
DEADLINE = 30.0


def typing(answer: Optional[str]) -> Callable[[Message], Optional[str]]:
    """A human policy that types ``answer`` in the server's terminal (``None``: never answers)."""

    def policy(message: Message) -> Optional[str]:
        return answer

    return policy

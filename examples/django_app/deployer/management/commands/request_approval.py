"""``manage.py request_approval ACTION``: block until a person approves or denies.

Exit status: 0 approved, 1 denied (a server-side timeout arrives as a denial), 2 no
answer before ``--wait`` seconds, 3 the ailoop server could not be reached.
"""

from argparse import ArgumentParser
from typing import Any, Optional

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import ailoop
from deployer.client import get_client


class Command(BaseCommand):
    """Ask for an authorization in ailoop and wait for the answer."""

    help = "Ask a person (through ailoop) to authorize ACTION and wait for the answer."

    def add_arguments(self, parser: ArgumentParser) -> None:
        """Declare ACTION, --timeout and --wait."""
        parser.add_argument("action", help="what needs authorizing, shown to the person")
        parser.add_argument(
            "--timeout",
            type=int,
            default=getattr(settings, "AILOOP_AUTHORIZATION_TIMEOUT", 300),
            help="seconds the server shows the prompt before denying it",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=None,
            help="seconds this command waits for the answer (default: no limit)",
        )

    def handle(self, *args: Any, **options: Any) -> Optional[str]:
        """Send the authorization, wait for the answer, report it."""
        client = get_client()
        try:
            prompt = client.authorize(options["action"], timeout=options["timeout"])
            self.stdout.write(f"Waiting for a person to authorize: {options['action']}")
            answer = client.wait_for_response(prompt.id, timeout=options["wait"])
        except ailoop.TimeoutError as exc:
            raise CommandError("no answer in time", returncode=2) from exc
        except ailoop.ValidationError as exc:
            raise CommandError(str(exc), returncode=64) from exc
        except ailoop.AiloopError as exc:
            raise CommandError(f"ailoop server unavailable: {exc}", returncode=3) from exc
        if not ailoop.approved(answer):
            raise CommandError("denied", returncode=1)
        self.stdout.write(self.style.SUCCESS("approved"))
        return None

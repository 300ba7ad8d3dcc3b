#!/usr/bin/env python3
"""Django's command-line utility for the ailoop-py example project."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    """Run a Django management command with the example project's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()

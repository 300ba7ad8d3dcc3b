"""App configuration: wires the shared client to Django's settings lifecycle."""

from typing import Any

from django.apps import AppConfig
from django.test.signals import setting_changed

from deployer.client import close_client


class DeployerConfig(AppConfig):
    """Registers a receiver that drops the client when an ``AILOOP_*`` setting changes.

    Nothing is connected to the server here: ``ready()`` also runs in the autoreloader's
    watcher process and in a gunicorn ``--preload`` master, neither of which should hold a
    connection. The client is created on first use instead (see ``deployer.client``).
    """

    name = "deployer"
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        """Connect the settings receiver."""
        setting_changed.connect(_reset_client_on_ailoop_setting, dispatch_uid="deployer")


def _reset_client_on_ailoop_setting(setting: str, **kwargs: Any) -> None:
    if setting.startswith("AILOOP_"):
        close_client()

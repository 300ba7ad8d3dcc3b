"""Celery settings for the recipe, read from the environment.

``CELERY_BROKER_URL`` and ``CELERY_RESULT_BACKEND`` default to a local Redis. With
``CELERY_BROKER_URL=filesystem://`` the broker is kombu's filesystem transport, kept in
``CELERY_FILESYSTEM_FOLDER``; with it, ``CELERY_RESULT_BACKEND=file:///some/folder``
needs no server either.
"""

import os
import pathlib
from typing import Any, Dict, Mapping, Optional

#: Seconds the server shows the prompt before it denies the deployment by itself.
AUTHORIZATION_TIMEOUT = 300
#: Seconds the task waits for the answer: the prompt's timeout plus room for the prompts
#: queued before it (the server shows one prompt at a time).
WAIT_TIMEOUT = 360


def celery_settings(environ: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    """The Celery settings for ``environ`` (default: this process's environment)."""
    env = os.environ if environ is None else environ
    settings: Dict[str, Any] = {
        "broker_url": env.get("CELERY_BROKER_URL", "redis://localhost:6379/0"),
        "result_backend": env.get("CELERY_RESULT_BACKEND", "redis://localhost:6379/1"),
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # Report STARTED, so that the status view can tell "queued" from "waiting".
        "task_track_started": True,
        # A worker process that waits for a person must not sit on further tasks.
        "worker_prefetch_multiplier": 1,
    }
    if settings["broker_url"].startswith("filesystem://"):
        folder = pathlib.Path(env.get("CELERY_FILESYSTEM_FOLDER", "celery-broker"))
        for name in ("queue", "processed", "control"):
            (folder / name).mkdir(parents=True, exist_ok=True)
        settings["broker_transport_options"] = {
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
        }
    if settings["result_backend"].startswith("file://"):
        pathlib.Path(settings["result_backend"][len("file://") :]).mkdir(
            parents=True, exist_ok=True
        )
    return settings

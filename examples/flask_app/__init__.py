"""A small Flask app that asks a person before a risky action (ailoop-py recipe).

``create_app()`` is the application factory; the ailoop client lives in the
``ailoop_ext`` extension (see ``extension.py``) and the views in ``views.py``.

Run it against a stand-in server::

    python -m ailoop.testing --port 8080 --approve-all &
    AILOOP_SERVER_URL=http://127.0.0.1:8080 flask --app flask_app run
"""

from typing import Any, List, Mapping, Optional

from flask import Flask

from flask_app.extension import ailoop_ext
from flask_app.views import bp


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    """Build the app; ``config`` overrides the defaults (tests pass the server URL here)."""
    app = Flask(__name__)
    app.config.from_mapping(
        AILOOP_CHANNEL="deployments",
        # Server-side prompt timeout: the server denies the deployment after this long.
        AILOOP_AUTHORIZATION_TIMEOUT=300,
        # Client-side deadline of the request: the prompt's timeout plus room for the
        # prompts queued before it (the server shows one prompt at a time).
        AILOOP_WAIT_TIMEOUT=360,
    )
    if config is not None:
        app.config.from_mapping(config)
    deployed: List[str] = []
    app.extensions["deployed_versions"] = deployed
    ailoop_ext.init_app(app)
    app.register_blueprint(bp)
    return app

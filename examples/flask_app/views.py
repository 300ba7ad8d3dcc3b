"""Two views: one asks a person before deploying, one posts a notification."""

from typing import Any, Dict, List, Tuple

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

import ailoop
from flask_app.extension import ailoop_ext

bp = Blueprint("deployments", __name__)


def _json_body() -> Dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _record_deployment(version: str) -> None:
    """The risky action itself; here it only records the version."""
    deployed: List[str] = current_app.extensions["deployed_versions"]
    deployed.append(version)


@bp.post("/deploy")
def deploy() -> ResponseReturnValue:
    """Deploy ``{"version": ...}`` once a person has approved it in ailoop."""
    version = str(_json_body().get("version", "")).strip()
    if not version:
        return jsonify(error="'version' is required"), 400
    client = ailoop_ext.client
    try:
        prompt = client.authorize(
            f"Deploy {version} to production",
            context={"version": version, "requested_from": request.remote_addr},
            timeout=current_app.config["AILOOP_AUTHORIZATION_TIMEOUT"],
        )
        # Our own deadline: a request must not outlive the worker's patience, even if the
        # server's answer were lost on the way.
        answer = client.wait_for_response(
            prompt.id, timeout=current_app.config["AILOOP_WAIT_TIMEOUT"]
        )
    except ailoop.TimeoutError:
        return _status("no answer in time", version, 504)
    except ailoop.AiloopError as exc:
        current_app.logger.warning("approval request failed: %s", exc)
        return _status("approval service unavailable", version, 503)
    if not ailoop.approved(answer):
        return _status("denied", version, 403)
    _record_deployment(version)
    return _status("deployed", version, 200)


@bp.post("/notify")
def notify() -> ResponseReturnValue:
    """Post ``{"text": ..., "priority": ...}`` as a notification to the people watching."""
    body = _json_body()
    text = str(body.get("text", "")).strip()
    if not text:
        return jsonify(error="'text' is required"), 400
    try:
        message = ailoop_ext.client.say(text, priority=str(body.get("priority", "normal")))
    except ailoop.ValidationError as exc:
        return jsonify(error=str(exc)), 400
    except ailoop.AiloopError as exc:
        current_app.logger.warning("notification failed: %s", exc)
        return jsonify(error="notification service unavailable"), 503
    return jsonify(id=str(message.id)), 202


def _status(status: str, version: str, code: int) -> Tuple[Any, int]:
    return jsonify(status=status, version=version), code

"""Two views: one starts the approval task and answers ``202``, one reports its outcome.

The request that starts a deployment returns at once; the person's answer may take
minutes, and it is the Celery task, not a web worker, that waits for it.
"""

from typing import Any, Dict, Mapping, Optional

from celery.result import AsyncResult
from flask import Flask, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from celery_app.tasks import app as celery
from celery_app.tasks import request_deployment

#: What the status view says for each Celery state while the task is not done.
_WAITING_STATES = {"PENDING": "queued", "RECEIVED": "queued", "STARTED": "waiting for a person"}


def create_app(config: Optional[Mapping[str, Any]] = None) -> Flask:
    """The web app; ``config`` overrides Flask settings."""
    web = Flask(__name__)
    if config is not None:
        web.config.from_mapping(config)

    @web.post("/deployments")
    def start_deployment() -> ResponseReturnValue:
        """Start asking for ``{"version": ...}``; ``202`` with the task's id and status URL."""
        body = request.get_json(silent=True)
        version = str(body.get("version", "")).strip() if isinstance(body, dict) else ""
        if not version:
            return jsonify(error="'version' is required"), 400
        task = request_deployment.delay(version)
        status_url = url_for("deployment_status", task_id=task.id)
        return jsonify(task_id=task.id, status_url=status_url), 202, {"Location": status_url}

    @web.get("/deployments/<task_id>")
    def deployment_status(task_id: str) -> ResponseReturnValue:
        """Where the deployment task is: queued, waiting for a person, or its outcome."""
        result: AsyncResult[Dict[str, str]] = AsyncResult(task_id, app=celery)
        report: Dict[str, Any] = {"task_id": task_id}
        if result.successful():
            report["state"] = "done"
            report.update(result.get())  # at once: the task is done
        elif result.failed():
            # The task crashed or hit its time limit: nothing was deployed.
            report.update(state="failed", status="not deployed")
        else:
            report.update(state=_WAITING_STATES.get(result.state, result.state.lower()))
        return jsonify(report)

    return web

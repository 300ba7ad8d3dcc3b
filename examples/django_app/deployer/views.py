"""Two API views: one asks a person before deploying, one posts a notification.

Both are called by scripts with the deployer's bearer token (see ``deployer.auth``).
"""

import json
import logging
from typing import Any, Dict, List

from django.conf import settings
from django.http import HttpRequest, JsonResponse

import ailoop
from deployer.auth import api_view
from deployer.client import get_client

logger = logging.getLogger(__name__)

#: Versions deployed by this process; stands in for the real deployment system.
DEPLOYED_VERSIONS: List[str] = []


def _json_body(request: HttpRequest) -> Dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


@api_view
def deploy(request: HttpRequest) -> JsonResponse:
    """Deploy ``{"version": ...}`` once a person has approved it in ailoop."""
    version = str(_json_body(request).get("version", "")).strip()
    if not version:
        return JsonResponse({"error": "'version' is required"}, status=400)
    client = get_client()
    try:
        prompt = client.authorize(
            f"Deploy {version} to production",
            context={"version": version, "requested_from": request.META.get("REMOTE_ADDR")},
            timeout=settings.AILOOP_AUTHORIZATION_TIMEOUT,
        )
        # Our own deadline: a request must not outlive the worker's patience, even if the
        # server's answer were lost on the way.
        answer = client.wait_for_response(prompt.id, timeout=settings.AILOOP_WAIT_TIMEOUT)
    except ailoop.TimeoutError:
        return JsonResponse({"status": "no answer in time", "version": version}, status=504)
    except ailoop.AiloopError as exc:
        logger.warning("approval request failed: %s", exc)
        return JsonResponse(
            {"status": "approval service unavailable", "version": version}, status=503
        )
    if not ailoop.approved(answer):
        return JsonResponse({"status": "denied", "version": version}, status=403)
    DEPLOYED_VERSIONS.append(version)
    return JsonResponse({"status": "deployed", "version": version})


@api_view
def notify(request: HttpRequest) -> JsonResponse:
    """Post ``{"text": ..., "priority": ...}`` as a notification to the people watching."""
    body = _json_body(request)
    text = str(body.get("text", "")).strip()
    if not text:
        return JsonResponse({"error": "'text' is required"}, status=400)
    try:
        message = get_client().say(text, priority=str(body.get("priority", "normal")))
    except ailoop.ValidationError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except ailoop.AiloopError as exc:
        logger.warning("notification failed: %s", exc)
        return JsonResponse({"error": "notification service unavailable"}, status=503)
    return JsonResponse({"id": str(message.id)}, status=202)

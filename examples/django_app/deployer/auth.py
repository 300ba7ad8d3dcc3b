"""Token authentication for the deployer's API views.

The views are called by deployment scripts and CI jobs, not by browsers: each request
proves who sent it with an ``Authorization: Bearer <token>`` header checked against the
``DEPLOYER_API_TOKEN`` setting. CSRF protection exists for the other kind of
authentication, the one a browser attaches by itself (a session cookie): a forged
cross-site form can ride on a cookie, but it cannot set an ``Authorization`` header. So
these views are exempt from ``CsrfViewMiddleware`` *because* they authenticate every
request on their own, and they never look at the session. A view that a logged-in
person submits from a page of this site must keep CSRF protection instead (render the
form with ``{% csrf_token %}``).
"""

import hmac
import logging
from functools import wraps
from typing import Callable, Optional

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

logger = logging.getLogger(__name__)

View = Callable[[HttpRequest], HttpResponse]


def _presented_token(request: HttpRequest) -> Optional[str]:
    header: str = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticated(request: HttpRequest) -> bool:
    expected = getattr(settings, "DEPLOYER_API_TOKEN", None)
    if not expected:
        logger.warning("DEPLOYER_API_TOKEN is not set: every API request is refused")
        return False
    presented = _presented_token(request)
    return presented is not None and hmac.compare_digest(
        presented.encode("utf-8"), str(expected).encode("utf-8")
    )


def api_view(view: View) -> View:
    """A POST-only view for scripts that authenticate with the deployer's bearer token.

    Unauthenticated requests get ``401`` before the view runs (no prompt is ever sent
    for them). The view is exempt from CSRF checks: see the module docstring for why
    that is safe only together with this token check.
    """

    @wraps(view)
    def authenticated_view(request: HttpRequest) -> HttpResponse:
        if not _authenticated(request):
            response = JsonResponse({"error": "a valid bearer token is required"}, status=401)
            response["WWW-Authenticate"] = 'Bearer realm="deployer"'
            return response
        return view(request)

    exempt: View = csrf_exempt(require_POST(authenticated_view))
    return exempt

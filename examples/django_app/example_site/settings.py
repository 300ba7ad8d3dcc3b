"""Settings of the example project; the ailoop client reads the ``AILOOP_*`` ones."""

import os
from typing import Any, Dict

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = ["deployer"]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
]
ROOT_URLCONF = "example_site.urls"
WSGI_APPLICATION = "example_site.wsgi.application"
DATABASES: Dict[str, Any] = {}
USE_TZ = True

# ailoop: None falls back to the $AILOOP_SERVER_URL / $AILOOP_TOKEN environment variables.
AILOOP_SERVER_URL = os.environ.get("AILOOP_SERVER_URL")
AILOOP_TOKEN = os.environ.get("AILOOP_TOKEN")
AILOOP_CHANNEL = "deployments"
AILOOP_AUTHORIZATION_TIMEOUT = 300  # the server denies an unanswered deployment after 5 min
AILOOP_WAIT_TIMEOUT = 360  # a request gives up after 6 min (room for queued prompts)

# The bearer token that deployment scripts present to the deployer's API views.
DEPLOYER_API_TOKEN = os.environ.get("DEPLOYER_API_TOKEN")

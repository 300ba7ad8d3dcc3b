"""gunicorn settings for the example project (see docs/django.rst and docs/deployment.rst).

Run it from this folder::

    gunicorn -c gunicorn.conf.py

The deploy view holds its request open while a person decides, up to
``AILOOP_WAIT_TIMEOUT`` (360 s in ``example_site/settings.py``). gunicorn's default
``sync`` worker serves one request at a time and is killed by the master when a request
runs longer than ``timeout`` (30 s by default): the caller gets an error and the prompt
stays on the person's screen. So:

* ``gthread`` workers: each waiting request holds one thread, not a whole process, and
  the worker's main thread keeps telling the master it is alive while requests wait;
* ``timeout`` above the longest wait, so that even a worker whose heartbeat depended on
  a request (a ``sync`` worker put back by mistake) is never killed in the middle of one.
"""

import os

wsgi_app = "example_site.wsgi"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Each request waiting for a person holds one thread for up to AILOOP_WAIT_TIMEOUT: size
# this for the approvals that may wait at the same time, plus the ordinary traffic.
threads = int(os.environ.get("GUNICORN_THREADS", "16"))

# Seconds: above AILOOP_WAIT_TIMEOUT (360) with room for the view's own work.
timeout = 390
# A restart gives in-flight requests this long to finish; one still waiting for a person
# after that is cut off (the caller sees a dropped connection and nothing is deployed).
graceful_timeout = 30

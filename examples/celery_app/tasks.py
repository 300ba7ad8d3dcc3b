"""The Celery app and the task that asks a person before deploying.

One ``AiloopClient`` per worker process serves every task it runs. The worker's main
process creates it at start-up (``celeryd_after_setup``) and checks that the ailoop server
answers, so that a wrong URL or token shows in the worker's log at once; the prefork
pool then forks the processes that run the tasks. They inherit that client: ailoop-py
resets its threads, sockets and HTTP sessions in a forked child (``os.register_at_fork``)
and starts fresh ones there on first use.
"""

import atexit
import logging
import os
import threading
from typing import Any, Dict, Optional

from celery import Celery
from celery.signals import celeryd_after_setup

import ailoop
from celery_app.config import AUTHORIZATION_TIMEOUT, WAIT_TIMEOUT, celery_settings

logger = logging.getLogger(__name__)

app = Celery("celery_app")
app.conf.update(celery_settings())


class _ProcessClient:
    """This process's ``AiloopClient`` (``$AILOOP_SERVER_URL``, ``$AILOOP_TOKEN``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._client: Optional[ailoop.AiloopClient] = None

    def get(self) -> ailoop.AiloopClient:
        with self._lock:
            if self._client is None:
                channel = os.environ.get("AILOOP_CHANNEL", "deployments")
                self._client = ailoop.AiloopClient(channel=channel)
                logger.info("ailoop client created in process %d", os.getpid())
            return self._client

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


_shared = _ProcessClient()
atexit.register(_shared.close)


def get_client() -> ailoop.AiloopClient:
    """This process's client, created on first use."""
    return _shared.get()


@celeryd_after_setup.connect
def check_the_server(**kwargs: Any) -> None:
    """In the worker's main process, once its logging is set up and before the pool
    forks: create the client and say whether the ailoop server answers.
    """
    try:
        health = get_client().get_health()
    except ailoop.AiloopError as exc:
        logger.error("the ailoop server is not usable: %s", exc)
    else:
        logger.info("ailoop server answers (version %s)", health.version)


@app.task(name="celery_app.request_deployment", time_limit=WAIT_TIMEOUT + 60)
def request_deployment(
    version: str,
    authorization_timeout: int = AUTHORIZATION_TIMEOUT,
    wait_timeout: float = WAIT_TIMEOUT,
) -> Dict[str, str]:
    """Ask a person to authorize deploying ``version``, wait, and deploy only on a yes.

    Returns ``{"status": ..., "version": ...}`` with status ``deployed``, ``denied`` (a
    denial, a text reply, the server's timeout: anything but an approval), ``no answer in
    time`` (our own ``wait_timeout`` passed) or ``approval service unavailable``.
    """
    client = get_client()
    logger.info("asking for approval of %s in process %d", version, os.getpid())
    try:
        prompt = client.authorize(
            f"Deploy {version} to production",
            context={"version": version},
            timeout=authorization_timeout,
        )
        answer = client.wait_for_response(prompt.id, timeout=wait_timeout)
    except ailoop.TimeoutError:
        return _outcome("no answer in time", version)
    except ailoop.AiloopError as exc:
        logger.warning("approval request failed: %s", exc)
        return _outcome("approval service unavailable", version)
    if not ailoop.approved(answer):
        return _outcome("denied", version)
    _deploy(version)
    return _outcome("deployed", version)


def _deploy(version: str) -> None:
    """The risky action itself; here it only logs."""
    logger.info("deploying %s", version)


def _outcome(status: str, version: str) -> Dict[str, str]:
    return {"status": status, "version": version}

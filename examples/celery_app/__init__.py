"""Long human waits in a Celery task, started from a Flask view (ailoop-py recipe).

* ``config.py``: the Celery settings, read from the environment (Redis in production,
  kombu's filesystem transport and a file result backend for tests and trying it out);
* ``tasks.py``: the Celery app and the task that asks a person and waits;
* ``web.py``: a view that starts the task and answers ``202`` with its id, and a view
  that reports the outcome.

Run it against a stand-in server and Redis::

    python -m ailoop.testing --port 8080 --approve-all &
    export AILOOP_SERVER_URL=http://127.0.0.1:8080
    celery -A celery_app.tasks worker --concurrency 4 &
    flask --app celery_app.web run
"""

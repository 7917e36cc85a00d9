"""A real Celery worker process, against Redis and the test database, runs a queued task."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.db import connection, transaction

from goals.services import DEFAULT_STRATEGY_FILE, strategy_load_file
from kalliola.tasks import health_check

# serialized_rollback: the flush after a transactional test must not take away the roles
# that migrations created, which later tests rely on.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECT_ROOT = Path(settings.BASE_DIR)


def redis_unreachable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS_URL} ({exc}); set TEST_REDIS_URL"
    return None


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = db["USER"] or ""
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    host = f"{credentials}@" if credentials else ""
    return f"postgres://{host}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue() -> Iterator[str]:
    """Start a worker on a queue of its own; point this process's Celery app at it."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL, which a worker process can share: set DATABASE_URL")
    if reason := redis_unreachable():
        pytest.skip(reason)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "integration-test-only",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kalliola",
            "worker",
            "--pool=solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
        # Shown by pytest only when the test fails.
        print(output)


@pytest.fixture
def client_app() -> Iterator[Celery]:
    """A Celery client configured like production's web process: Redis broker, no eager mode.

    The project's own app runs tasks eagerly in tests (no CELERY_BROKER_URL), so the tests
    send through a separate client; the worker itself runs the project's app.
    """
    client = Celery(
        "kalliola-test-client", broker=REDIS_URL, backend=REDIS_URL, set_as_current=False
    )
    client.conf.task_always_eager = False
    try:
        yield client
    finally:
        client.close()


def test_worker__runs_a_task_queued_after_commit_against_the_same_database(
    worker_queue, client_app
):
    task_id = uuid.uuid4().hex
    with transaction.atomic():
        strategy_load_file(path=DEFAULT_STRATEGY_FILE)
        transaction.on_commit(
            lambda: client_app.send_task(health_check.name, task_id=task_id, queue=worker_queue)
        )

    result = client_app.AsyncResult(task_id).get(timeout=90)

    # The worker sees the four goals this transaction committed.
    assert result == {"status": "ok", "goals": 4}


def test_worker__runs_a_task_sent_directly(worker_queue, client_app):
    result = client_app.send_task(health_check.name, queue=worker_queue).get(timeout=90)

    assert result == {"status": "ok", "goals": 0}

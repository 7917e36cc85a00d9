"""A real Celery worker process, against Redis and the test database, runs a queued task."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from celery import Celery
from django.db import transaction

from goals.services import DEFAULT_STRATEGY_FILE, strategy_load_file
from kalliola.tasks import health_check
from tests.integration.worker import REDIS_URL, running_worker

# serialized_rollback: the flush after a transactional test must not take away the roles
# that migrations created, which later tests rely on.
pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


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


@pytest.fixture
def worker_queue() -> Iterator[str]:
    """A worker on a queue of its own."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    with running_worker(queue):
        yield queue


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

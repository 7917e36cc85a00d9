"""Tasks are queued only after the transaction that asked for them commits."""

from __future__ import annotations

import pytest
from django.db import transaction

from kalliola.celery import app
from kalliola.tasks import health_check

pytestmark = pytest.mark.django_db


def test_celery__runs_tasks_eagerly_without_a_broker():
    assert app.conf.task_always_eager is True
    assert health_check.delay().get() == {"status": "ok", "goals": 0}


def test_celery__queues_a_task_only_after_commit(
    strategy, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(health_check, "apply_async", lambda *a, **kw: sent.append((a, kw)))

    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        health_check.delay_on_commit()
        assert sent == []

    assert len(callbacks) == 1
    callbacks[0]()
    assert len(sent) == 1


def test_celery__queues_nothing_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    def save_then_fail() -> None:
        with transaction.atomic():
            health_check.delay_on_commit()
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        save_then_fail()

    assert callbacks == []

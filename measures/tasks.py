"""Celery tasks that keep metric values current. Each takes ids, never model instances."""

from __future__ import annotations

from celery import Task, shared_task
from django.db import OperationalError

from measures import services


@shared_task(
    name="measures.recompute_metric",
    bind=True,
    max_retries=5,
    autoretry_for=(OperationalError,),
    retry_backoff=2,
    retry_jitter=True,
)
def recompute_metric(self: Task, metric_id: int) -> int:
    """Replace a metric's stale values. Safe to run twice; one at a time per metric."""
    try:
        return services.recompute_metric(metric_id)
    except services.MetricBusy as exc:
        # Another worker is recomputing this metric; the marks it did not read remain.
        raise self.retry(exc=exc, countdown=5) from exc


@shared_task(name="measures.sweep_stale", max_retries=0)
def sweep_stale() -> int:
    """Recompute every metric with stale marks, e.g. those saved while the broker was down."""
    return services.recompute_stale()


@shared_task(name="measures.recompute_all", max_retries=0)
def recompute_all() -> int:
    """Recompute every metric over all of history (nightly): nothing stays stale for long."""
    return services.recompute_all()

"""Celery tasks that keep metric values current. Each takes ids, never model instances."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from measures import services


# A sweep is safe to run twice: it recomputes what the marks say and drops only those it read.
# It may meet a serialization failure (an edit committed between its snapshot and its lock).
@shared_task(
    name="measures.sweep_stale",
    autoretry_for=(OperationalError,),
    max_retries=3,
    retry_backoff=2,
    retry_jitter=True,
)
def sweep_stale() -> int:
    """Recompute every metric with stale marks: queued once by each transaction that marked
    some, and run every minute by beat for whatever the broker missed."""
    return services.recompute_stale()


@shared_task(name="measures.recompute_all", max_retries=0)
def recompute_all() -> int:
    """Recompute every metric over all of history (nightly): nothing stays stale for long."""
    return services.recompute_all()

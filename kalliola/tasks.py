"""Project-wide Celery tasks."""

from __future__ import annotations

from celery import shared_task

from goals.models import Goal


@shared_task(name="kalliola.health_check", max_retries=0)
def health_check() -> dict[str, int | str]:
    """Prove a worker is alive and reaches the database: count the goals it can see."""
    return {"status": "ok", "goals": Goal.objects.count()}

"""Keep metric values in step with the log: a saved or deleted activity, signal or measurement
marks the periods it touches stale, in the same transaction, and queues their recompute.

The measures app listens to the neighbourhoods app's models (never the other way round), so the
log does not need to know that metrics exist. Bulk writes (bulk_create, update()) send no
signals; the nightly recompute covers them.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from measures import services
from measures.models import Measurement
from neighbourhoods.models import Activity, Signal

LOGGED = (Activity, Signal)
# The links that metric definitions filter or count by; changing others (e.g. an activity's
# organisers) changes no metric.
COUNTED_LINKS = ("themes", "goals", "means", "partners")


def remember_old_date(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before an edit, note the saved date: moving an activity makes both periods stale."""
    instance._measures_old_date = None
    if instance.pk:
        instance._measures_old_date = (
            sender.objects.filter(pk=instance.pk).values_list("date", flat=True).first()
        )


def log_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    days = [instance.date, getattr(instance, "_measures_old_date", None)]
    services.mark_stale_for_log(days, signals=isinstance(instance, Signal))


def log_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    services.mark_stale_for_log([instance.date], signals=isinstance(instance, Signal))


def log_links_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action.startswith("post_") and isinstance(instance, LOGGED):
        services.mark_stale_for_log([instance.date], signals=isinstance(instance, Signal))


def measurement_changed(sender: Any, instance: Measurement, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    if origin is not None and not isinstance(origin, Measurement):
        return  # deleted with its metric: there is nothing left to recompute
    services.mark_stale([instance.metric_id], periods=[instance.period_start])


def connect() -> None:
    for model in LOGGED:
        pre_save.connect(remember_old_date, sender=model, dispatch_uid=f"measures-{model}-pre")
        post_save.connect(log_saved, sender=model, dispatch_uid=f"measures-{model}-save")
        post_delete.connect(log_deleted, sender=model, dispatch_uid=f"measures-{model}-delete")
    for relation in (*Activity._meta.many_to_many, *Signal._meta.many_to_many):
        if relation.name not in COUNTED_LINKS:
            continue
        through = relation.remote_field.through
        m2m_changed.connect(log_links_changed, sender=through, dispatch_uid=f"measures-{through}")
    for signal in (post_save, post_delete):
        signal.connect(measurement_changed, sender=Measurement, dispatch_uid=f"measures-m-{signal}")

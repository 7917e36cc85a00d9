"""Keep metric values in step with the log: a saved or deleted activity, signal or measurement
marks the periods it touches stale, in the same transaction, and queues their recompute.

The measures app listens to the neighbourhoods app's models (never the other way round), so the
log does not need to know that metrics exist. Bulk writes (bulk_create, update()) send no
signals; the nightly recompute covers them.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from measures import services
from measures.models import Measurement
from neighbourhoods.models import Activity, Signal

LOGGED = (Activity, Signal)
# The links that metric definitions filter or count by; changing others (e.g. an activity's
# organisers) changes no metric.
COUNTED_LINKS = ("themes", "goals", "means", "partners")


def remember_old_place(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before an edit, note the saved date and area: moving an activity makes both stale."""
    instance._measures_old_place = None
    if instance.pk:
        instance._measures_old_place = (
            sender.objects.filter(pk=instance.pk).values_list("date", "area").first()
        )


def _partners(instance: Any) -> list[int]:
    if not isinstance(instance, Activity) or instance.pk is None:
        return []
    return list(instance.partners.values_list("pk", flat=True))


def log_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    places = [(instance.date, instance.area_id)]
    if old := getattr(instance, "_measures_old_place", None):
        places.append(old)
    services.mark_stale_for_log(
        places, signals=isinstance(instance, Signal), partners=lambda: _partners(instance)
    )


def remember_partners(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a delete, note the activity's partners: its links go before it does."""
    instance._measures_partners = _partners(instance)


def log_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    services.mark_stale_for_log(
        [(instance.date, instance.area_id)],
        signals=isinstance(instance, Signal),
        partners=lambda: getattr(instance, "_measures_partners", []),
    )


def log_links_changed(
    sender: Any, instance: Any, action: str, pk_set: set[int] | None = None, **kwargs: Any
) -> None:
    if not isinstance(instance, LOGGED):
        return
    of_partners = sender is Activity.partners.through
    if action == "pre_clear" and of_partners:
        setattr(instance, "_measures_cleared", _partners(instance))  # noqa: B010
    if not action.startswith("post_"):
        return

    def partners() -> set[int]:
        found = set(_partners(instance))
        if of_partners:  # those added or removed, or those cleared
            found |= set(pk_set or ()) | set(getattr(instance, "_measures_cleared", ()))
        return found

    services.mark_stale_for_log(
        [(instance.date, instance.area_id)],
        signals=isinstance(instance, Signal),
        partners=partners,
    )


def measurement_changed(sender: Any, instance: Measurement, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    if origin is not None and not isinstance(origin, Measurement):
        return  # deleted with its metric: there is nothing left to recompute
    services.mark_stale([instance.metric_id], periods=[instance.period_start])


def connect() -> None:
    for model in LOGGED:
        pre_save.connect(remember_old_place, sender=model, dispatch_uid=f"measures-{model}-pre")
        pre_delete.connect(
            remember_partners, sender=model, dispatch_uid=f"measures-{model}-pre-delete"
        )
        post_save.connect(log_saved, sender=model, dispatch_uid=f"measures-{model}-save")
        post_delete.connect(log_deleted, sender=model, dispatch_uid=f"measures-{model}-delete")
    for relation in (*Activity._meta.many_to_many, *Signal._meta.many_to_many):
        if relation.name not in COUNTED_LINKS:
            continue
        through = relation.remote_field.through
        m2m_changed.connect(log_links_changed, sender=through, dispatch_uid=f"measures-{through}")
    for signal in (post_save, post_delete):
        signal.connect(measurement_changed, sender=Measurement, dispatch_uid=f"measures-m-{signal}")

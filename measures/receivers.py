"""Keep metric values in step with the log: a saved or deleted activity, signal or measurement
marks the periods it touches stale, in the same transaction, and queues one sweep after the
commit.

Before an activity or a signal changes (its row, or its links: from either side), the receivers
lock the row and note what it counts for each metric (services.log_before); after, they mark
the metrics stale where the row was and is, keeping that note (services.mark_log_edit), so
that the recompute can change the stored values by the difference (see changes.py). A change
that moves many rows at once (a partner's sector, an area moved to another district, a
partner deleted with its links) makes the whole history of the metrics it can change stale.

The measures app listens to the neighbourhoods app's models (never the other way round), so the
log does not need to know that metrics exist. Bulk writes (bulk_create, update()) send no
signals; the nightly recompute covers them. An import, and its undoing, announce their rows'
days once (neighbourhoods.signals.activities_bulk_changed), and the per-row delete signals of
an undone import are ignored (in_bulk_write).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from goals.models import Goal, Strategy
from goals.signals import strategy_loaded as loaded
from measures import services
from measures.definitions import Aggregation
from measures.models import Measurement, Metric
from neighbourhoods.models import Activity, Area, Partner, Signal
from neighbourhoods.signals import activities_bulk_changed as bulk_changed
from neighbourhoods.signals import in_bulk_write

LOGGED = (Activity, Signal)
# The links that metric definitions filter or count by; changing others (e.g. an activity's
# organisers) changes no metric.
COUNTED_LINKS = ("themes", "goals", "means", "partners")


def _places(model: Any, rows: Iterable[int]) -> dict[int, tuple[Any, Any]]:
    """Each row's (date, area), locked for the rest of the transaction, so that what it counts
    now stays what it counted before the edit until the edit commits."""
    query = model.objects.filter(pk__in=list(rows))
    if connection.in_atomic_block:
        query = query.select_for_update()
    return {pk: (day, area) for pk, day, area in query.values_list("pk", "date", "area")}


def before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before an edit, note where the row was and what it counted: both are stale after."""
    if instance.pk is None or not (old := _places(sender, [instance.pk])):
        instance._measures_old_place = None
        instance._measures_before = services.log_before_new(sender)
        return
    instance._measures_old_place = old[instance.pk]
    instance._measures_before = services.log_before(sender, [instance.pk])[instance.pk]


def after_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    places = [(instance.date, instance.area_id)]
    if old := getattr(instance, "_measures_old_place", None):
        places.append(old)
    services.mark_log_edit(instance.pk, places, instance._measures_before)


def before_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Before a delete, note what the row counted: its links go before it does."""
    if in_bulk_write():
        return  # announced once for all the rows (activities_bulk_changed)
    _places(sender, [instance.pk])  # (for its lock)
    instance._measures_before = services.log_before(sender, [instance.pk])[instance.pk]


def after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if in_bulk_write():
        return
    services.mark_log_edit(
        instance.pk, [(instance.date, instance.area_id)], instance._measures_before
    )


def links_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    model: Any,
    pk_set: set[int] | None = None,
    **kwargs: Any,
) -> None:
    """A row's links (or, from the other side, the rows linked to a theme, a goal, a means or
    a partner) change: before, note what the rows counted; after, mark them."""
    if isinstance(instance, LOGGED):
        log_model, rows = type(instance), [instance.pk]
    elif model in LOGGED:
        log_model = model
        if action == "pre_clear":  # the rows still linked, before they are not
            name = next(
                f.name for f in model._meta.many_to_many if f.remote_field.through is sender
            )
            rows = list(model.objects.filter(**{name: instance}).values_list("pk", flat=True))
            instance._measures_cleared = rows
        else:
            rows = sorted(pk_set or getattr(instance, "_measures_cleared", []))
    else:
        return
    if action.startswith("pre_"):
        instance._measures_links = (
            _places(log_model, rows),
            services.log_before(log_model, rows),
        )
    elif action.startswith("post_") and (noted := getattr(instance, "_measures_links", None)):
        places, before = noted
        for row in rows:
            if row in places:
                services.mark_log_edit(row, [places[row]], before[row])
        instance._measures_links = None


def activities_bulk_changed(sender: Any, days: list[Any], **kwargs: Any) -> None:
    """Many activities added or removed at once (an import, or its undoing): each activity
    metric's periods on those days are stale, marked once per month (a month's first day lies
    in its month, quarter and year), and one sweep is queued."""
    months = sorted({day.replace(day=1) for day in days})
    services.mark_stale([pk for pk, _d in services.log_metrics(Activity)], periods=months)


def before_partner_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Note a partner's sector before it is saved: the sector filters metrics."""
    saved = Partner.objects.filter(pk=instance.pk) if instance.pk else Partner.objects.none()
    instance._measures_old_sector = saved.values_list("sector", flat=True).first()


def partner_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    old = getattr(instance, "_measures_old_sector", None)
    if old is not None and old != instance.sector and instance.activities.exists():
        services.mark_history_where(lambda d: bool(d.partner_sectors))


def partner_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A deleted partner's links go with it, without a signal of their own."""
    if instance.activities.exists():
        services.mark_history_where(
            lambda d: bool(d.partner_sectors) or d.aggregation == Aggregation.PARTNERS
        )


def before_area_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Note an area's place in the division before it is saved: districts add up by it."""
    saved = Area.objects.filter(pk=instance.pk) if instance.pk else Area.objects.none()
    instance._measures_area_place = saved.values_list("level", "parent").first()


def area_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    old = getattr(instance, "_measures_area_place", None)
    if old is not None and old != (instance.level, instance.parent_id):
        services.mark_history_where(lambda d: True)


def before_measurement_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Note a manual value's period before it is saved: moved elsewhere, it leaves a value
    behind in its old period until that period is recomputed too."""
    saved = Measurement.objects.filter(pk=instance.pk).values_list("period_start", flat=True)
    instance._measures_old_period = saved.first() if instance.pk else None


def measurement_changed(sender: Any, instance: Measurement, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    if origin is not None and not isinstance(origin, Measurement):
        return  # deleted with its metric: there is nothing left to recompute
    periods = [instance.period_start]
    if (old := getattr(instance, "_measures_old_period", None)) is not None:
        periods.append(old)
    services.mark_stale([instance.metric_id], periods=periods)


def strategy_loaded(sender: Any, strategy: Strategy, **kwargs: Any) -> None:
    """A loaded strategy's goals get their built-in metrics (their activities and reach)."""
    for goal in strategy.goals.select_related("strategy"):
        services.built_in_metrics_ensure(goal)


def goals_migrated(sender: Any, apps: Any = None, **kwargs: Any) -> None:
    """After migrating, every goal has its built-in metrics (unless the database was
    migrated back to before they existed)."""
    state = apps.get_model("measures", "Metric") if apps is not None else Metric
    if "built_in" not in {field.name for field in state._meta.get_fields()}:
        return
    for goal in Goal.objects.select_related("strategy"):
        services.built_in_metrics_ensure(goal)


def connect() -> None:
    loaded.connect(strategy_loaded, dispatch_uid="measures-strategy-loaded")
    bulk_changed.connect(activities_bulk_changed, dispatch_uid="measures-activities-bulk")
    for model in LOGGED:
        pre_save.connect(before_save, sender=model, dispatch_uid=f"measures-{model}-pre")
        post_save.connect(after_save, sender=model, dispatch_uid=f"measures-{model}-save")
        pre_delete.connect(before_delete, sender=model, dispatch_uid=f"measures-{model}-pre-del")
        post_delete.connect(after_delete, sender=model, dispatch_uid=f"measures-{model}-delete")
    for relation in (*Activity._meta.many_to_many, *Signal._meta.many_to_many):
        if relation.name not in COUNTED_LINKS:
            continue
        through = relation.remote_field.through
        m2m_changed.connect(links_changed, sender=through, dispatch_uid=f"measures-{through}")
    pre_save.connect(before_measurement_save, sender=Measurement, dispatch_uid="measures-m-pre")
    for signal in (post_save, post_delete):
        signal.connect(measurement_changed, sender=Measurement, dispatch_uid=f"measures-m-{signal}")
    pre_save.connect(before_partner_save, sender=Partner, dispatch_uid="measures-partner-pre")
    post_save.connect(partner_saved, sender=Partner, dispatch_uid="measures-partner-save")
    pre_delete.connect(partner_deleting, sender=Partner, dispatch_uid="measures-partner-delete")
    pre_save.connect(before_area_save, sender=Area, dispatch_uid="measures-area-pre")
    post_save.connect(area_saved, sender=Area, dispatch_uid="measures-area-save")

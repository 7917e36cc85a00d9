"""Writes of the measures app: metric definitions, measurements, stale marks and recomputes."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import batched
from typing import Any

from django.contrib.auth.models import User
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from measures.computation import (
    ComputedValue,
    Span,
    compute_activity_versions,
    compute_manual,
    compute_periods,
    compute_ratio,
    history_span,
)
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import (
    Measurement,
    Metric,
    MetricTarget,
    MetricValue,
    MetricVersion,
    StalePeriod,
)
from measures.periods import period_start

logger = logging.getLogger(__name__)

# Fields of a metric that describe it; changing them does not change its numbers.
DESCRIPTION_FIELDS = (
    "name",
    "description",
    "unit",
    "goal",
    "means",
    "outcome",
    "direction",
    "baseline_value",
    "baseline_period",
    "owner",
)


class MetricBusy(Exception):
    """Another recompute of the metric is running; try again shortly."""


# --- Definitions ----------------------------------------------------------------------------


@transaction.atomic
def metric_save(
    *,
    user: User,
    metric: Metric | None,
    data: Mapping[str, Any],
    period: str,
    definition: dict[str, Any],
    targets: Mapping[int, Decimal | None],
) -> tuple[Metric, bool]:
    """Create or update a metric; a changed period or definition makes a new version.

    Returns the metric and whether a new version was created (its values must be computed).
    """
    if metric is None:
        metric = Metric(kind=data["kind"])
    for name in DESCRIPTION_FIELDS:
        if name in data:
            setattr(metric, name, data[name])
    metric.full_clean(exclude=["current_version"])
    metric.save()
    current = metric.current_version
    changed = current is None or current.period != period or current.definition != definition
    if changed:
        number = (current.number if current else 0) + 1
        version = MetricVersion.objects.create(
            metric=metric, number=number, period=period, definition=definition, created_by=user
        )
        metric.current_version = version
        metric.computed_at = None
        metric.save(update_fields=["current_version", "computed_at", "updated_at"])
        mark_stale([metric.pk], periods=None)
    _save_targets(metric, targets)
    return metric, changed


def _save_targets(metric: Metric, targets: Mapping[int, Decimal | None]) -> None:
    for year, value in targets.items():
        if value is None:
            MetricTarget.objects.filter(metric=metric, year=year).delete()
        else:
            MetricTarget.objects.update_or_create(
                metric=metric, year=year, defaults={"value": value}
            )


@transaction.atomic
def metric_delete(*, metric: Metric) -> None:
    metric.current_version = None
    metric.save(update_fields=["current_version"])
    metric.delete()


# --- Measurements (manual metrics) ----------------------------------------------------------


@transaction.atomic
def measurement_save(
    *, user: User, metric: Metric, data: Mapping[str, Any], measurement: Measurement | None
) -> Measurement:
    if measurement is None:
        measurement = Measurement(metric=metric, entered_by=user)
    for name in ("period_start", "value", "source", "note"):
        setattr(measurement, name, data[name])
    measurement.full_clean(exclude=["metric", "entered_by"])
    measurement.save()
    return measurement


@transaction.atomic
def measurement_delete(*, measurement: Measurement) -> None:
    measurement.delete()


# --- Stale marks and queueing ---------------------------------------------------------------


def mark_stale(metric_ids: Iterable[int], *, periods: Sequence[datetime.date] | None) -> None:
    """Record, in the current transaction, which values no longer match, and queue their
    recompute once the transaction commits. ``periods`` are days inside the stale periods;
    None means the whole history."""
    metric_ids = list(metric_ids)
    if not metric_ids:
        return
    days: list[datetime.date | None] = [None] if periods is None else [*sorted(set(periods))]
    StalePeriod.objects.bulk_create(
        [StalePeriod(metric_id=pk, period_start=day) for pk in metric_ids for day in days]
    )
    transaction.on_commit(lambda: queue_recompute(metric_ids))


def mark_stale_for_log(days: Iterable[datetime.date | None], *, signals: bool = False) -> None:
    """An activity (or, with signals, a signal) on these days was saved or deleted: the
    metrics computed from activities (or from signals) are stale."""
    known = [day for day in days if day is not None]
    if not known:
        return
    versions = Metric.objects.filter(
        kind=Metric.Kind.ACTIVITY, current_version__isnull=False
    ).values_list("pk", "current_version__definition")
    ids = [
        pk
        for pk, definition in versions
        if (definition.get("aggregation") == Aggregation.SIGNALS) == signals
    ]
    mark_stale(ids, periods=known)


def queue_recompute(metric_ids: Iterable[int]) -> None:
    """Ask the workers to recompute; if the broker cannot be reached, the stale marks stay
    in the database and the periodic sweep picks them up."""
    from measures.tasks import recompute_metric

    for metric_id in metric_ids:
        try:
            recompute_metric.apply_async(args=[metric_id], retry=False)
        except Exception:
            logger.warning(
                "Could not queue the recompute of metric %s; the sweep will.",
                metric_id,
                exc_info=True,
            )


# --- Recomputing ----------------------------------------------------------------------------


def recompute_metric(metric_id: int) -> int:
    """Replace the stale values of one metric, in one transaction. Returns the rows written.

    Safe to run twice: it recomputes what the stale marks say (all of history when a mark
    says so, or when the metric has never been computed) and removes only the marks it read;
    with no marks left it does nothing.
    Raises MetricBusy if another recompute of the same metric holds it.
    """
    with transaction.atomic():
        try:
            metric = (
                Metric.objects.select_for_update(no_key=True, nowait=True, of=("self",))
                .select_related("current_version")
                .filter(pk=metric_id)
                .first()
            )
        except OperationalError as exc:  # the lock is taken
            raise MetricBusy(metric_id) from exc
        if metric is None or metric.current_version is None:
            return 0
        marks = list(StalePeriod.objects.filter(metric=metric).values_list("pk", "period_start"))
        days = [day for _pk, day in marks]
        if metric.computed_at is None or None in days:
            span = history_span(timezone.localdate())
            written = store(metric.version, compute(metric, span), periods=None)
            stale: list[datetime.date] | None = None
        elif not marks:
            return 0  # a task queued twice: the first one did the work
        else:
            stale = [day for day in days if day is not None]
            starts = _stale_starts(stale, metric.version.period)
            written = store(metric.version, _compute_starts(metric, starts), periods=starts)
        _done(metric, [pk for pk, _day in marks])
        mark_stale(_ratios_using(metric.pk), periods=stale)
    return written


def recompute_stale() -> int:
    """Recompute every metric with stale marks (the periodic sweep). Returns the rows written.

    The activity metrics whose marks name periods share their queries (see
    computation.compute_periods), and their values are replaced together, in one
    transaction holding their locks; a metric whose own task holds its lock is left to it.
    Metrics to recompute over all of history, manual metrics and ratios go one by one,
    ratios last.
    """
    marks = list(StalePeriod.objects.values_list("pk", "metric", "period_start"))
    days: dict[int, set[datetime.date | None]] = defaultdict(set)
    for _pk, metric_id, day in marks:
        days[metric_id].add(day)
    metrics = list(
        Metric.objects.filter(pk__in=days, current_version__isnull=False).select_related(
            "current_version"
        )
    )
    shared = [
        m
        for m in metrics
        if m.kind == Metric.Kind.ACTIVITY and m.computed_at and None not in days[m.pk]
    ]
    starts = {m.pk: _stale_starts(days[m.pk], m.version.period) for m in shared}
    computed = compute_periods(
        [
            (
                m.pk,
                m.version.period,
                ActivityDefinition.from_json(m.version.definition),
                starts[m.pk],
            )
            for m in shared
        ]
    )
    written = 0
    if shared:
        with transaction.atomic():
            read = [(pk, metric_id) for pk, metric_id, _day in marks]
            done, written = _store_together(shared, computed, starts, read)
            ratio_days: dict[int, set[datetime.date]] = defaultdict(set)
            parts = _ratio_parts()
            for metric in done:
                for ratio_id in _using(parts, metric.pk):
                    ratio_days[ratio_id] |= {day for day in days[metric.pk] if day is not None}
            for ratio_id, ratio_stale in ratio_days.items():
                mark_stale([ratio_id], periods=sorted(ratio_stale))
    rest = [m for m in metrics if m not in shared]
    order = [Metric.Kind.ACTIVITY, Metric.Kind.MANUAL, Metric.Kind.RATIO]
    for metric in sorted(rest, key=lambda m: order.index(Metric.Kind(m.kind))):
        try:
            written += recompute_metric(metric.pk)
        except MetricBusy:
            logger.info("Metric %s is being recomputed elsewhere; left to it.", metric.pk)
    return written


def _stale_starts(days: Iterable[datetime.date | None], period: str) -> list[datetime.date]:
    """The starts of the periods that the stale days fall in."""
    return sorted({period_start(day, period) for day in days if day is not None})


def _compute_starts(metric: Metric, starts: list[datetime.date]) -> list[ComputedValue]:
    """The values of a metric's current version in the periods that start on these days."""
    version = metric.version
    if metric.kind == Metric.Kind.ACTIVITY:
        definition = ActivityDefinition.from_json(version.definition)
        return compute_periods([(version.pk, version.period, definition, starts)])[version.pk]
    wanted = set(starts)
    span = Span(min(starts), max(starts))
    return [value for value in compute(metric, span) if value.period_start in wanted]


def _ratio_parts() -> dict[int, RatioDefinition]:
    """The current definition of every ratio metric."""
    versions = MetricVersion.objects.filter(
        metric__kind=Metric.Kind.RATIO, metric__current_version=F("pk")
    ).values_list("metric", "definition")
    return {ratio_id: RatioDefinition.from_json(definition) for ratio_id, definition in versions}


def _using(parts: dict[int, RatioDefinition], metric_id: int) -> list[int]:
    return [pk for pk, ratio in parts.items() if metric_id in (ratio.numerator, ratio.denominator)]


def _ratios_using(metric_id: int) -> list[int]:
    """The ratio metrics whose current version divides by or into the given metric."""
    return _using(_ratio_parts(), metric_id)


def _delete_marks(mark_ids: list[int]) -> None:
    for chunk in range(0, len(mark_ids), DELETE_CHUNK):
        StalePeriod.objects.filter(pk__in=mark_ids[chunk : chunk + DELETE_CHUNK]).delete()


def _done(metric: Metric, mark_ids: list[int]) -> None:
    """The metric's values are current: drop the marks read before computing them."""
    _delete_marks(mark_ids)
    metric.computed_at = timezone.now()
    Metric.objects.filter(pk=metric.pk).update(computed_at=metric.computed_at)


def compute(metric: Metric, span: Span) -> list[ComputedValue]:
    """The values of a metric's current version over a span, without storing them."""
    version = metric.version
    if metric.kind == Metric.Kind.ACTIVITY:
        return compute_activity_versions([version], span)[version.pk]
    if metric.kind == Metric.Kind.MANUAL:
        return compute_manual(version, span)
    return compute_ratio(version, span)


def store(
    version: MetricVersion, values: Sequence[ComputedValue], *, periods: list[datetime.date] | None
) -> int:
    """Make the version's stored values (of the given periods, or all) equal these.

    Only what differs is written: a value that changed is replaced, a new one inserted, one
    no longer computed deleted; an unchanged value keeps its row (and its computed_at, the
    time it was last changed). A nightly recompute of an unchanged log therefore writes
    nothing. Returns the number of rows written or deleted.
    """
    return store_many([(version, values, periods)])


def store_many(
    items: Sequence[tuple[MetricVersion, Sequence[ComputedValue], list[datetime.date] | None]],
) -> int:
    """store() for many versions at once, in a few statements."""
    scope = Q(pk__in=[])
    for version, _values, periods in items:
        if periods is None:
            scope |= Q(version=version)
        else:
            scope |= Q(version=version, period_start__in=periods)
    rows = (
        MetricValue.objects.filter(scope)
        .values_list("version", "period_start", "area", "pk", "value")
        .iterator(chunk_size=5000)
    )
    existing: dict[tuple[int, datetime.date, int | None], tuple[int, Decimal | None]] = {
        (version, start, area): (pk, value) for version, start, area, pk, value in rows
    }
    old: list[int] = []
    new: list[MetricValue] = []
    now = timezone.now()
    for version, values, _periods in items:
        for computed in values:
            stored = existing.pop((version.pk, computed.period_start, computed.area_id), None)
            if stored is not None and stored[1] == computed.value:
                continue
            if stored is not None:
                old.append(stored[0])
            new.append(
                MetricValue(
                    version=version,
                    period_start=computed.period_start,
                    area_id=computed.area_id,
                    value=computed.value,
                    computed_at=now,
                )
            )
    removed = [pk for pk, _value in existing.values()]
    old += removed
    for chunk in range(0, len(old), DELETE_CHUNK):
        MetricValue.objects.filter(pk__in=old[chunk : chunk + DELETE_CHUNK]).delete()
    MetricValue.objects.bulk_create(new, batch_size=2000)
    return len(new) + len(removed)


# Metrics whose stored values are compared and written together.
STORE_GROUP = 8

# Ids per DELETE statement: SQLite allows a limited number of parameters in one statement.
DELETE_CHUNK = 900


def recompute_all() -> int:
    """Recompute every metric over all of history; activity metrics share their queries.

    The activity metrics' values are replaced together, in one transaction holding their row
    locks; then each manual metric and each ratio in a transaction of its own. A metric whose
    own recompute is running meanwhile is left to it.
    """
    today = timezone.localdate()
    span = history_span(today)
    marks = list(StalePeriod.objects.values_list("pk", "metric"))
    metrics = list(
        Metric.objects.filter(current_version__isnull=False).select_related("current_version")
    )
    activity_metrics = [m for m in metrics if m.kind == Metric.Kind.ACTIVITY]
    computed = compute_activity_versions([m.version for m in activity_metrics], span)
    written = 0
    if activity_metrics:
        with transaction.atomic():
            _done_metrics, written = _store_together(
                activity_metrics,
                {m.pk: computed[m.version.pk] for m in activity_metrics},
                {m.pk: None for m in activity_metrics},
                marks,
            )
    # Manual metrics and ratios after the activity metrics: ratios read the values stored.
    for kind in (Metric.Kind.MANUAL, Metric.Kind.RATIO):
        for metric in (m for m in metrics if m.kind == kind):
            with transaction.atomic():
                if not _lock_unless_busy(metric):
                    continue
                written += store(metric.version, compute(metric, span), periods=None)
                _done(metric, [pk for pk, metric_id in marks if metric_id == metric.pk])
    return written


def _store_together(
    metrics: Sequence[Metric],
    values: Mapping[int, Sequence[ComputedValue]],
    periods: Mapping[int, list[datetime.date] | None],
    marks: Sequence[tuple[int, int]],
) -> tuple[list[Metric], int]:
    """In the current transaction: lock the metrics (leaving those whose own recompute holds
    the lock to it), make their stored values equal these (of the given periods, or all),
    drop the (mark id, metric id) marks read before computing, and note when. Returns the
    metrics done and the rows written."""
    locked = set(
        Metric.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(pk__in=[m.pk for m in metrics])
        .values_list("pk", flat=True)
    )
    done = [m for m in metrics if m.pk in locked]
    items = [(m.version, values[m.pk], periods[m.pk]) for m in done]
    # A few metrics at a time: the rows of all of them at once would take a lot of memory.
    written = sum(store_many(group) for group in batched(items, STORE_GROUP, strict=False))
    _delete_marks([pk for pk, metric_id in marks if metric_id in locked])
    Metric.objects.filter(pk__in=locked).update(computed_at=timezone.now())
    return done, written


def _lock_unless_busy(metric: Metric) -> bool:
    """Lock the metric's row for this transaction, unless another recompute holds it."""
    locked = Metric.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=metric.pk)
    return locked.values_list("pk", flat=True).first() is not None

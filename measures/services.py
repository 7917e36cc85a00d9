"""Writes of the measures app: metric definitions, measurements, stale marks and recomputes."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from itertools import batched
from typing import Any, NamedTuple

from django.conf import settings
from django.contrib.auth.models import User
from django.db import OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from goals.models import Goal
from measures.changes import Change, Contribution, apply_changes, contributions
from measures.computation import (
    AreaTree,
    ComputedValue,
    Span,
    area_tree,
    compute_activity_versions,
    compute_manual,
    compute_periods,
    compute_ratio,
    compute_ratios,
    district_areas,
    history_span,
    stored_scope,
)
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import (
    Measurement,
    Metric,
    MetricTarget,
    MetricValue,
    MetricVersion,
    Period,
    StalePeriod,
)
from measures.periods import period_start
from neighbourhoods.closing import PeriodClosed
from neighbourhoods.models import Activity, Signal

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
    "target_kind",
    "data_from",
    "owner",
)


class MetricBusy(Exception):
    """Another recompute of the metric is running; try again shortly."""


# --- Definitions ----------------------------------------------------------------------------


@transaction.atomic
def metric_save(
    *,
    user: User | None,
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
def built_in_metrics_ensure(goal: Goal) -> list[Metric]:
    """Create the goal's built-in metrics that are missing: its done activities and their
    participants per quarter, computed (and stored per area) like any metric, so that the
    dashboards read the goal's volume and reach from stored values."""
    created = []
    existing = set(Metric.objects.filter(goal=goal).values_list("built_in", flat=True))
    kept: list[tuple[str, str, str, tuple[int, ...], str]] = [
        (Metric.BuiltIn.ACTIVITIES, Aggregation.ACTIVITIES, "kpl", (goal.pk,), Period.QUARTER),
        (Metric.BuiltIn.PARTICIPANTS, Aggregation.PARTICIPANTS, "hlö", (goal.pk,), Period.QUARTER),
    ]
    if goal.number == settings.INEQUALITY_METER_GOAL:
        # The organisation's whole reach, per year and area, for the inequality meter.
        kept += [
            (Metric.BuiltIn.REACH_ACTIVITIES, Aggregation.ACTIVITIES, "kpl", (), Period.YEAR),
            (Metric.BuiltIn.REACH_PARTICIPANTS, Aggregation.PARTICIPANTS, "hlö", (), Period.YEAR),
            (Metric.BuiltIn.REACH_NEW, Aggregation.NEW_PARTICIPANTS, "hlö", (), Period.YEAR),
        ]
    for built_in, aggregation, unit, goals, period in kept:
        if built_in in existing:
            continue
        definition = ActivityDefinition(
            aggregation=aggregation, goals=goals, status=Activity.Status.DONE
        )
        name = f"{goal.strategy.slug} {goal.number}: {Metric.BuiltIn(built_in).label}"
        metric, _changed = metric_save(
            user=None,
            metric=None,
            data={"kind": Metric.Kind.ACTIVITY, "name": name[:200], "unit": unit, "goal": goal},
            period=period,
            definition=definition.to_json(),
            targets={},
        )
        Metric.objects.filter(pk=metric.pk).update(built_in=built_in)
        metric.built_in = built_in
        created.append(metric)
    return created


class BuiltInMetricError(ValueError):
    """A built-in metric cannot be deleted or redefined."""


def metric_delete(*, metric: Metric) -> None:
    if metric.built_in:
        raise BuiltInMetricError(metric.built_in)
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
    """Delete a manual value, unless its period is closed for reporting (PeriodClosed)."""
    if (closed := measurement.closed_period()) is not None:
        raise PeriodClosed(closed)
    measurement.delete()


# --- Stale marks and queueing ---------------------------------------------------------------

Place = tuple[datetime.date | None, int | None]  # a day, and the area of the edited row (or None)


def mark_stale(metric_ids: Iterable[int], *, periods: Sequence[datetime.date] | None) -> None:
    """Record, in the current transaction, which values no longer match, and queue a sweep
    once the transaction commits. ``periods`` are days inside the stale periods; None means
    the whole history."""
    days: list[datetime.date | None] = [None] if periods is None else [*sorted(set(periods))]
    mark_places(metric_ids, [(day, None) for day in days])


def mark_places(metric_ids: Iterable[int], places: Iterable[Place]) -> None:
    """mark_stale() by (day, area) places: a place with an area makes only the values of that
    area's basic district (and of all areas together) stale in the day's period."""
    metric_ids = list(metric_ids)
    places = sorted(set(places), key=lambda p: (p[0] or datetime.date.min, p[1] or 0))
    if not metric_ids or not places:
        return
    _add_marks(
        [
            StalePeriod(metric_id=pk, period_start=day, area_id=area)
            for pk in metric_ids
            for day, area in places
        ]
    )
    queue_sweep_on_commit()


def _add_marks(marks: Sequence[StalePeriod]) -> None:
    StalePeriod.objects.bulk_create(marks, batch_size=2000)


# --- Edits of the log (activities, signals) -------------------------------------------------

LogModel = type[Activity] | type[Signal]
Before = dict[int, dict[str, Any] | None]  # metric id: what a row counted (see StalePeriod.before)


def log_metrics(model: LogModel | None = None) -> list[tuple[int, ActivityDefinition]]:
    """The metrics computed from the model's rows (activities, or signals; None: both), with
    their current definitions."""
    versions = Metric.objects.filter(
        kind=Metric.Kind.ACTIVITY, current_version__isnull=False
    ).values_list("pk", "current_version__definition")
    definitions = [(pk, ActivityDefinition.from_json(d)) for pk, d in versions]
    return [(pk, d) for pk, d in definitions if model is None or d.on_signals == (model is Signal)]


def log_before(model: LogModel, rows: Sequence[int]) -> dict[int, Before]:
    """Before an edit of these rows (which the caller has locked): what each counts for each
    metric now, to keep on the edit's marks. None where an earlier mark of the row already
    keeps it for the metric: that one is what the stored values saw."""
    metrics = log_metrics(model)
    if not metrics or not rows:
        return {row: {} for row in rows}
    held = set(
        StalePeriod.objects.filter(
            row__in=rows, metric__in=[pk for pk, _d in metrics], before__isnull=False
        ).values_list("row", "metric")
    )
    wanted = [(pk, d) for pk, d in metrics if any((row, pk) not in held for row in rows)]
    found = contributions(model, wanted, rows)
    return {
        row: {
            pk: None
            if (row, pk) in held
            else (found[row][pk].to_json() if pk in found[row] else {})
            for pk, _d in metrics
        }
        for row in rows
    }


def log_before_new(model: LogModel) -> Before:
    """log_before() of a row about to be created: it counted for nothing."""
    return {pk: {} for pk, _d in log_metrics(model)}


def mark_log_edit(row: int, places: Iterable[Place], before: Before) -> None:
    """After an edit of a log row: mark the metrics of ``before`` (from log_before) stale at
    the row's places (where it was and where it is), keeping what it counted before, and queue
    a sweep after the commit."""
    places = [place for place in dict.fromkeys(places) if place[0] is not None]
    if not places or not before:
        return
    _add_marks(
        [
            StalePeriod(
                metric_id=pk,
                period_start=day,
                area_id=area,
                row=row,
                before=counted if index == 0 else None,
            )
            for pk, counted in before.items()
            for index, (day, area) in enumerate(places)
        ]
    )
    queue_sweep_on_commit()


def mark_history_where(test: Callable[[ActivityDefinition], bool]) -> None:
    """Mark the whole history of the activity and signal metrics whose definitions pass the
    test: for changes that move many rows at once (a partner's sector, an area's district)."""
    mark_stale([pk for pk, definition in log_metrics() if test(definition)], periods=None)


def queue_sweep_on_commit() -> None:
    """Queue one sweep when the current transaction commits, however many marks it wrote:
    the marks say what to recompute, and one task recomputes them all (sharing its queries).

    A transaction that already asked for a sweep (in a savepoint not rolled back) asks for
    nothing more. Outside a transaction the sweep is queued at once.
    """
    pending = (entry[1] for entry in connection.run_on_commit)  # (savepoints, callback, robust)
    if any(isinstance(callback, _SweepAfterCommit) and not callback.ran for callback in pending):
        return
    transaction.on_commit(_SweepAfterCommit())


class _SweepAfterCommit:
    """The on-commit callback that queues a sweep; it knows whether it has run, because a
    test may run a transaction's callbacks without ending the transaction."""

    def __init__(self) -> None:
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        queue_sweep()


def queue_sweep() -> None:
    """Ask a worker to sweep the stale marks. If the broker cannot be reached, the marks stay
    in the database and the periodic sweep picks them up: a save never fails for it."""
    from measures.tasks import sweep_stale

    try:
        sweep_stale.apply_async(retry=False)
    except Exception:
        logger.warning(
            "Could not queue a sweep of the stale metrics; the periodic sweep will.", exc_info=True
        )


# --- Recomputing ----------------------------------------------------------------------------


class Mark(NamedTuple):
    pk: int
    metric: int
    day: datetime.date | None
    area: int | None
    row: int | None
    before: dict[str, Any] | None


def _read_marks(**filters: Any) -> dict[int, list[Mark]]:
    """The stale marks (of the filters), per metric, oldest first."""
    marks: dict[int, list[Mark]] = defaultdict(list)
    rows = (
        StalePeriod.objects.filter(**filters)
        .order_by("pk")
        .values_list("pk", "metric", "period_start", "area", "row", "before")
    )
    for mark in rows:
        marks[mark[1]].append(Mark(*mark))
    return marks


def _places(marks: Sequence[Mark]) -> list[Place]:
    return [(mark.day, mark.area) for mark in marks]


def _snapshot(outermost: bool) -> None:
    """Read everything the recompute reads from one snapshot of the database.

    On PostgreSQL the transaction is REPEATABLE READ: the marks read and the rows read agree,
    and an edit committed meanwhile is left, its marks with it, to the next recompute (under
    READ COMMITTED a difference could take in an edit whose marks are still to come, and that
    edit would count twice). It must be the transaction's first statement; a recompute inside
    a caller's transaction (a test, a benchmark) reads that transaction's way.
    """
    if outermost and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def recompute_metric(metric_id: int) -> int:
    """Replace the stale values of one metric, in one transaction. Returns the rows written.

    Safe to run twice: it recomputes what the stale marks say (all of history when a mark
    says so, or when the metric has never been computed) and removes only the marks it read;
    with no marks left it does nothing.
    Raises MetricBusy if another recompute of the same metric holds it.
    """
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        _snapshot(outermost)
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
        marks = _read_marks(metric=metric).get(metric.pk, [])
        places = _places(marks)
        if metric.computed_at is None or any(day is None for day, _area in places):
            span = history_span(timezone.localdate())
            written = store(metric.version, compute(metric, span), periods=None)
            places = [(None, None)]
        elif not marks:
            return 0  # a task queued twice: the first one did the work
        else:
            computed = _compute_stale([metric], {metric.pk: marks})[metric.pk]
            starts, values, areas = computed
            written = store(metric.version, values, periods=starts, areas=areas)
            places = _ratio_places(marks, computed)
        _done(metric, [mark.pk for mark in marks])
        mark_places(_ratios_using(metric.pk), places)
    return written


# The starts of the periods computed, their values, and the areas they replace (None: every
# area; the values of all areas together are always among them).
Computed = tuple[list[datetime.date], list[ComputedValue], list[int] | None]


def _compute_stale(
    metrics: Sequence[Metric], marks: Mapping[int, Sequence[Mark]]
) -> dict[int, Computed]:
    """The values of the periods the metrics' marks name (every mark names a period), sharing
    queries: an activity metric's by its edits' differences (changes.apply_changes), or by
    computing its periods where the marks do not allow that; a ratio's from its parts' stored
    values, in the areas they changed; a manual metric's from its measurements. Each with the
    periods' starts and the areas whose values it replaces (None: every area)."""
    starts = {m.pk: _stale_starts([k.day for k in marks[m.pk]], m.version.period) for m in metrics}
    activities = [m for m in metrics if m.kind == Metric.Kind.ACTIVITY]
    changes = [c for m in activities if (c := _change(m, marks[m.pk])) is not None]
    computed: dict[int, Computed] = {
        pk: applied for pk, applied in apply_changes(changes).items() if applied is not None
    }
    whole = compute_periods(
        [
            (m.pk, m.version.period, ActivityDefinition.from_json(m.version.definition), s)
            for m in activities
            if m.pk not in computed
            for s in [starts[m.pk]]
        ]
    )
    computed.update((pk, (starts[pk], values, None)) for pk, values in whole.items())
    ratios = [
        m
        for m in metrics
        if m.kind == Metric.Kind.RATIO and all(k.area is not None for k in marks[m.pk])
    ]
    tree = area_tree() if ratios else {}
    areas = {m.pk: _ratio_areas(marks[m.pk], tree) for m in ratios}
    divided = compute_ratios([(m.version, starts[m.pk], areas[m.pk]) for m in ratios])
    for metric, values in zip(ratios, divided, strict=True):
        computed[metric.pk] = (starts[metric.pk], values, areas[metric.pk])
    for metric in metrics:
        if metric.pk not in computed:
            pk = metric.pk
            computed[pk] = (starts[pk], _compute_starts(metric, starts[pk]), None)
    return computed


def _ratio_places(marks: Sequence[Mark], computed: Computed) -> list[Place]:
    """Where the ratios using a metric are stale after its recompute: at its marks' places (in
    every area if its values were replaced in every area), or nowhere if the edits changed
    none of its values."""
    starts, _values, areas = computed
    if not starts:
        return []
    return [(day, area if areas is not None else None) for day, area in _places(marks)]


def _ratio_areas(marks: Sequence[Mark], tree: AreaTree | None) -> list[int]:
    """The areas whose values the parts of a ratio changed: their marks' basic districts."""
    return district_areas((mark.area for mark in marks if mark.area is not None), tree)


def _change(metric: Metric, marks: Sequence[Mark]) -> Change | None:
    """The edited rows of an activity metric's marks and what each counted before; None when
    a mark names no row (or, after a lost mark, no mark holds what a row counted)."""
    before: dict[int, Contribution | None] = {}
    rows = set()
    for mark in marks:  # oldest first
        if mark.row is None:
            return None
        rows.add(mark.row)
        if mark.before is not None and mark.row not in before:
            before[mark.row] = Contribution.from_json(mark.before)
    if rows != set(before):
        return None
    version = metric.version
    definition = ActivityDefinition.from_json(version.definition)
    return Change(metric.pk, version.pk, version.period, definition, before)


def recompute_stale() -> int:
    """Recompute every metric with stale marks (the periodic sweep). Returns the rows written.

    The activity metrics whose marks name periods are recomputed together (see
    changes.apply_changes, and computation.compute_periods), then the ratios so marked, the
    ratios they mark included; each group in one transaction that holds the metrics' locks
    from before it reads anything (a metric whose own task holds its lock is left to it).
    Metrics to recompute over all of history, and manual metrics, go one by one.
    """
    written = sum(_recompute_together(kind) for kind in (Metric.Kind.ACTIVITY, Metric.Kind.RATIO))
    marks = _read_marks()
    rest = Metric.objects.filter(pk__in=marks, current_version__isnull=False)
    order = [Metric.Kind.ACTIVITY, Metric.Kind.MANUAL, Metric.Kind.RATIO]
    for metric in sorted(rest, key=lambda m: order.index(Metric.Kind(m.kind))):
        try:
            written += recompute_metric(metric.pk)
        except MetricBusy:
            logger.info("Metric %s is being recomputed elsewhere; left to it.", metric.pk)
    return written


def _recompute_together(kind: str) -> int:
    """Recompute the metrics of a kind whose marks all name periods, together, in one
    transaction; mark the ratios that use them. Returns the rows written."""
    candidates = (
        Metric.objects.filter(
            kind=kind,
            current_version__isnull=False,
            computed_at__isnull=False,
            stale_periods__isnull=False,
        )
        .exclude(stale_periods__period_start__isnull=True)
        .values_list("pk", flat=True)
        .distinct()
    )
    ids = list(candidates)
    if not ids:
        return 0
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        _snapshot(outermost)
        done = _lock(list(Metric.objects.filter(pk__in=ids).select_related("current_version")))
        marks = _read_marks(metric__in=done)
        # As read under the lock: a new version or a whole-history mark may have come since
        # the candidates were chosen; those metrics go one by one (recompute_metric).
        done = [
            m
            for m in done
            if marks.get(m.pk) and m.computed_at and all(k.day is not None for k in marks[m.pk])
        ]
        if not done:
            return 0
        computed = _compute_stale(done, marks)
        items = [
            Replace(m.version, computed[m.pk][1], computed[m.pk][0], computed[m.pk][2])
            for m in done
        ]
        written = _store_done(done, items, [mark.pk for m in done for mark in marks[m.pk]])
        parts = _ratio_parts()
        ratio_places: dict[int, set[Place]] = defaultdict(set)
        for metric in done:
            for ratio_id in _using(parts, metric.pk):
                ratio_places[ratio_id] |= set(_ratio_places(marks[metric.pk], computed[metric.pk]))
        # The sweep itself recomputes the ratios next: no task is queued for them.
        _add_marks(
            [
                StalePeriod(metric_id=ratio_id, period_start=day, area_id=area)
                for ratio_id, places in ratio_places.items()
                for day, area in places
            ]
        )
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


class Replace(NamedTuple):
    """Stored values to make equal to computed ones: a version's values of some periods (None:
    all), and of those only the all-areas values and those of some areas (None: every area)."""

    version: MetricVersion
    values: Sequence[ComputedValue]
    periods: list[datetime.date] | None
    areas: list[int] | None = None


def store(
    version: MetricVersion,
    values: Sequence[ComputedValue],
    *,
    periods: list[datetime.date] | None,
    areas: list[int] | None = None,
) -> int:
    """Make the version's stored values (of the given periods, or all; of all areas together
    and the given areas, or every area) equal these.

    Only what differs is written: a value that changed is replaced, a new one inserted, one
    no longer computed deleted; an unchanged value keeps its row (and its computed_at, the
    time it was last changed). A nightly recompute of an unchanged log therefore writes
    nothing. Returns the number of rows written or deleted.
    """
    return store_many([Replace(version, values, periods, areas)])


def store_many(items: Sequence[Replace]) -> int:
    """store() for many versions at once, in a few statements."""
    scope = stored_scope((item.version.pk, item.periods, item.areas) for item in items)
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
    for version, values, _periods, _areas in items:
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

    First every metric is marked stale over all of history, in a transaction of its own, so
    that a run that does not finish (a killed worker, a metric another recompute holds) leaves
    marks for the periodic sweep instead of values nobody will look at again until the next
    night. Then the activity metrics are locked (leaving any whose own recompute is running to
    it), computed and their values replaced together, in one transaction; then each manual
    metric and each ratio in a transaction of its own. Each drops its marks as it commits.
    """
    today = timezone.localdate()
    span = history_span(today)
    metrics = list(
        Metric.objects.filter(current_version__isnull=False).select_related("current_version")
    )
    with transaction.atomic():
        _add_marks([StalePeriod(metric_id=m.pk, period_start=None) for m in metrics])
    marks = list(StalePeriod.objects.values_list("pk", "metric"))
    activity_metrics = [m for m in metrics if m.kind == Metric.Kind.ACTIVITY]
    written = 0
    if activity_metrics:
        with transaction.atomic():
            done = _lock(activity_metrics)
            computed = compute_activity_versions([m.version for m in done], span)
            done_ids = {m.pk for m in done}
            written = _store_done(
                done,
                [Replace(m.version, computed[m.version.pk], None) for m in done],
                [pk for pk, metric_id in marks if metric_id in done_ids],
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


def _lock(metrics: Sequence[Metric]) -> list[Metric]:
    """Lock the metrics' rows for the current transaction, leaving those whose own recompute
    holds the lock to it. Returns the metrics locked.

    Taken before anything is read: a recompute after an edit builds on the stored values,
    which nobody else may change until it has written its own.
    """
    locked = set(
        Metric.objects.select_for_update(no_key=True, skip_locked=True)
        .filter(pk__in=[m.pk for m in metrics])
        .values_list("pk", flat=True)
    )
    return [m for m in metrics if m.pk in locked]


def _store_done(metrics: Sequence[Metric], items: Sequence[Replace], mark_ids: list[int]) -> int:
    """In the current transaction, holding the metrics' locks: make their stored values equal
    the items, drop the marks read before computing, and note when. Returns the rows written."""
    # Over all of history, a few metrics at a time: the rows of all of them at once would take
    # a lot of memory. A few periods of all of them together are few rows.
    if all(item.periods is not None for item in items):
        groups: Iterable[Sequence[Replace]] = [items]
    else:
        groups = batched(items, STORE_GROUP, strict=False)
    written = sum(store_many(group) for group in groups)
    _delete_marks(mark_ids)
    Metric.objects.filter(pk__in=[m.pk for m in metrics]).update(computed_at=timezone.now())
    return written


def _lock_unless_busy(metric: Metric) -> bool:
    """Lock the metric's row for this transaction, unless another recompute holds it."""
    locked = Metric.objects.select_for_update(no_key=True, skip_locked=True).filter(pk=metric.pk)
    return locked.values_list("pk", flat=True).first() is not None

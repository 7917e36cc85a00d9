"""Metric values computed by SQL aggregation in the database.

Activity metrics that read the same rows share their queries: the versions of one batch (same
source table, same period length) become the aggregates of a single GROUP BY, each with its
own FILTER (WHERE …) clause. Each batch runs three such queries: all areas together, per basic
district (a sub-district's activities count for its basic district) and per sub-district.
Nothing here loops over activities in Python; Python sees one row per period and area.

Values of the areas are stored only when they are not zero; all-areas values are stored for
every period of the history, zero included, so that a missing row always means "not computed".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Sum, When
from django.db.models.functions import Trunc

from goals.models import Strategy
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import Measurement, Metric, MetricValue, MetricVersion
from measures.periods import next_period, period_end, period_start, periods_between
from neighbourhoods.models import Activity, Area, Signal

SUB_DISTRICT = Area.Level.SUB_DISTRICT
BASIC_DISTRICT = Area.Level.BASIC_DISTRICT


@dataclass(frozen=True)
class ComputedValue:
    period_start: datetime.date
    area_id: int | None
    value: Decimal | None


@dataclass(frozen=True)
class Span:
    """The periods to compute: from the one containing first to the one containing last."""

    first: datetime.date
    last: datetime.date

    def starts(self, period: str) -> list[datetime.date]:
        return list(periods_between(self.first, self.last, period))


def history_span(today: datetime.date) -> Span:
    """From the start of the earliest strategy, or the earliest day logged or measured, to today."""
    firsts = [
        datetime.date(year, 1, 1)
        for year in Strategy.objects.order_by("start_year").values_list("start_year", flat=True)[:1]
    ]
    for model, field in ((Activity, "date"), (Signal, "date"), (Measurement, "period_start")):
        first = model.objects.order_by(field).values_list(field, flat=True).first()
        if first is not None:
            firsts.append(first)
    return Span(min([*firsts, today]), today)


# --- Activity metrics -----------------------------------------------------------------------


RELATED_FILTERS = ("themes", "goals", "means", "partner_sectors")

# The key of a batch of definitions that share one query: the source table, and the
# many-to-many filters (which go in the query's WHERE; see _related_condition).
Batch = tuple[str, tuple[tuple[Any, ...], ...]]


def _source(definition: ActivityDefinition) -> str:
    """Which rows the aggregation reads; versions of one source can share a query."""
    if definition.on_signals:
        return "signals"
    if definition.aggregation == Aggregation.PARTNERS:
        # Joins the partners, which repeats rows: sums must not share this query.
        return "partners"
    return "activities"


def _batch(definition: ActivityDefinition) -> Batch:
    """Definitions with the same batch key are computed by the same query.

    A many-to-many filter cannot be one aggregate's FILTER clause: there it can only run as a
    subplan, which PostgreSQL hashes only while it fits in work_mem and otherwise re-reads
    for every row. In WHERE it becomes a semi-join, which works at any size; so definitions
    share a query only with those of the same many-to-many filters.
    """
    related = tuple(tuple(getattr(definition, name)) for name in RELATED_FILTERS)
    return _source(definition), related


def _related(
    model: type[Activity] | type[Signal], lookup: str, values: Sequence[Any], dates: Q
) -> Q:
    """Rows linked to any of values through a many-to-many lookup, without repeating rows.

    The subquery is limited to the dates being computed: a month's recompute must not read
    the links of every activity ever logged.
    """
    linked = model.objects.filter(dates, **{f"{lookup}__in": values}).values("pk")
    return Q(pk__in=linked)


def _plain_condition(definition: ActivityDefinition) -> Q:
    """The conditions of a definition on the row's own columns."""
    d = definition
    q = Q()
    if d.units:
        q &= Q(unit__in=d.units)
    if d.areas:
        q &= Q(area__in=d.areas) | Q(area__parent__in=d.areas)
    if d.on_signals:
        return q
    if d.types:
        q &= Q(type__in=d.types)
    if d.projects:
        q &= Q(project__in=d.projects)
    if d.status:
        q &= Q(status=d.status)
    return q


def _related_condition(definition: ActivityDefinition, dates: Q) -> Q:
    """The conditions of a definition on its rows' many-to-many links."""
    d = definition
    model: type[Activity] | type[Signal] = Signal if d.on_signals else Activity
    q = Q()
    if d.themes:
        q &= _related(model, "themes", d.themes, dates)
    if d.on_signals:
        return q
    if d.goals:
        q &= _related(Activity, "goals", d.goals, dates)
    if d.means:
        q &= _related(Activity, "means", d.means, dates)
    if d.partner_sectors:
        q &= _related(Activity, "partners__sector", d.partner_sectors, dates)
    return q


def _cell_aggregate(definition: ActivityDefinition) -> Any:
    """The SQL aggregate of a definition over one month in one area, restricted to its rows
    by FILTER (WHERE …). Months and areas add up to periods and districts, except distinct
    areas, which are counted from the cells' row counts (see _roll_up)."""
    cond = _plain_condition(definition)
    only = cond if cond else None
    match definition.aggregation:
        case Aggregation.ACTIVITIES | Aggregation.SIGNALS | Aggregation.AREAS:
            return Count("pk", filter=only)
        case Aggregation.PARTICIPANTS if definition.age_bands:
            total: Any = F(definition.age_bands[0])
            for band in definition.age_bands[1:]:
                total += F(band)
            return Sum(total, filter=only)
        case Aggregation.PARTICIPANTS:
            return Sum("participants_total", filter=only)
        case Aggregation.NEW_PARTICIPANTS:
            return Sum("new_participants", filter=only)
        case Aggregation.VOLUNTEERS:
            return Sum("volunteers", filter=only)
        case Aggregation.VOLUNTEER_HOURS:
            return Sum("volunteer_hours", filter=only)
    raise ValueError(definition.aggregation)


def _model(source: str) -> type[Activity] | type[Signal]:
    return Signal if source == "signals" else Activity


def _after(day: datetime.date, period: str) -> datetime.date:
    """The first day after the period that contains day."""
    return next_period(period_start(day, period), period)


@dataclass(frozen=True)
class _Member:
    """A definition being computed: its result key, period, the periods wanted (by their
    first days) and the name of its column in the batch's query."""

    key: Hashable
    period: str
    definition: ActivityDefinition
    starts: frozenset[datetime.date]
    column: str


def _days(starts: Iterable[datetime.date], period: str) -> Q:
    """The days of the given periods, as few date ranges as they make."""
    ranges: list[list[datetime.date]] = []
    for start in sorted(starts):
        after = next_period(start, period)
        if ranges and ranges[-1][1] >= start:
            ranges[-1][1] = max(ranges[-1][1], after)
        else:
            ranges.append([start, after])
    q = Q()
    for first, after in ranges:
        q |= Q(date__gte=first, date__lt=after)
    return q


def _members_days(members: Sequence[_Member]) -> Q:
    """The days of all the members' periods, in months: months are the cells' grain."""
    months = {
        month
        for m in members
        for start in m.starts
        for month in periods_between(start, period_end(start, m.period), "month")
    }
    return _days(months, "month")


def _area_groups() -> dict[int, tuple[int | None, int | None]]:
    """Each area's basic district and sub-district, as far as it lies in one.

    A sub-district counts for itself and for its basic district; a basic district for itself;
    other areas (the whole city) only for all areas together.
    """
    groups: dict[int, tuple[int | None, int | None]] = {}
    for pk, level, parent in Area.objects.values_list("pk", "level", "parent"):
        if level == SUB_DISTRICT:
            groups[pk] = (parent, pk)
        elif level == BASIC_DISTRICT:
            groups[pk] = (pk, None)
        else:
            groups[pk] = (None, None)
    return groups


def compute_activity_versions(
    versions: Sequence[MetricVersion], span: Span
) -> dict[int, list[ComputedValue]]:
    """Values of activity metric versions over the span, sharing queries where they can."""
    return compute_definitions(
        [(v.pk, v.period, ActivityDefinition.from_json(v.definition)) for v in versions], span
    )


def compute_definitions(
    items: Sequence[tuple[Hashable, str, ActivityDefinition]], span: Span
) -> dict[Any, list[ComputedValue]]:
    """Values of (key, period, definition) items over the span; the key names the result."""
    return compute_periods(
        [(key, period, definition, span.starts(period)) for key, period, definition in items]
    )


def compute_periods(
    items: Sequence[tuple[Hashable, str, ActivityDefinition, Iterable[datetime.date]]],
) -> dict[Any, list[ComputedValue]]:
    """Values of (key, period, definition, period starts) items; the key names the result.

    Items of one batch (see _batch) are computed together by one query that groups the rows
    of all their periods by month and area, with a column per item; Python then adds the
    cells up to each item's periods, for all areas, per basic district and per sub-district.
    Distinct partners cannot be added up from cells: the database counts them, per period
    and area level.
    """
    batches: dict[Batch, list[_Member]] = defaultdict(list)
    for index, (key, period, definition, starts) in enumerate(items):
        member = _Member(key, period, definition, frozenset(starts), f"m{index}")
        if member.starts:
            batches[_batch(definition)].append(member)
    results: dict[Any, list[ComputedValue]] = {item[0]: [] for item in items}
    groups = _area_groups() if batches else {}
    for (source, _related_filters), members in batches.items():
        if source == "partners":
            _compute_partners(members, results)
        else:
            _compute_cells(source, members, groups, results)
    return results


def _compute_cells(
    source: str,
    members: Sequence[_Member],
    groups: dict[int, tuple[int | None, int | None]],
    results: dict[Any, list[ComputedValue]],
) -> None:
    """One GROUP BY month and area for the batch, then each member's sums over its periods."""
    dates = _members_days(members)
    rows = _model(source).objects.filter(dates)
    related = _related_condition(members[0].definition, dates)
    if related:
        rows = rows.filter(related)
    cells = list(
        rows.annotate(month=Trunc("date", "month", output_field=DateField()))
        .order_by()
        .values("month", "area")
        .annotate(**{m.column: _cell_aggregate(m.definition) for m in members})
    )
    for member in members:
        results[member.key] += _roll_up(member, cells, groups)


def _roll_up(
    member: _Member,
    cells: Sequence[dict[str, Any]],
    groups: dict[int, tuple[int | None, int | None]],
) -> list[ComputedValue]:
    """A member's values from the monthly cells: all areas for every period (zero included),
    basic districts and sub-districts where not zero."""
    starts = member.starts
    distinct = member.definition.aggregation == Aggregation.AREAS
    totals: dict[tuple[datetime.date, int | None], Any] = defaultdict(int)
    reached: dict[tuple[datetime.date, int | None], set[int]] = defaultdict(set)
    for cell in cells:
        value = cell[member.column]
        if not value:
            continue
        start = period_start(cell["month"], member.period)
        if start not in starts:
            continue
        area = cell["area"]
        basic, sub = groups.get(area, (None, None))
        keys = [(start, None)]
        if basic is not None:
            keys.append((start, basic))
        if sub is not None:
            keys.append((start, sub))
        for key in keys:
            if distinct:
                reached[key].add(area)
            else:
                totals[key] += value
    if distinct:
        totals = defaultdict(int, {key: len(areas) for key, areas in reached.items()})
    values = [
        ComputedValue(start, None, Decimal(totals.get((start, None), 0)))
        for start in sorted(starts)
    ]
    values += [
        ComputedValue(start, area, Decimal(value))
        for (start, area), value in totals.items()
        if area is not None
    ]
    return values


def _compute_partners(members: Sequence[_Member], results: dict[Any, list[ComputedValue]]) -> None:
    """Distinct partners, counted by the database: per period length, one query per level."""
    by_period: dict[str, list[_Member]] = defaultdict(list)
    for member in members:
        by_period[member.period].append(member)
    for period, same in by_period.items():
        dates = _days({start for m in same for start in m.starts}, period)
        # Only activities with partners count partners: an inner join, not a left one.
        rows = Activity.objects.filter(dates, partners__isnull=False)
        related = _related_condition(same[0].definition, dates)
        if related:
            rows = rows.filter(related)
        base = rows.annotate(period=Trunc("date", period, output_field=DateField())).order_by()
        aggregates = {
            m.column: Count(
                "partners", distinct=True, filter=_plain_condition(m.definition) or None
            )
            for m in same
        }
        for level, grouped in _levels(base):
            for row in grouped.annotate(**aggregates):
                area_id = row[level] if level else None
                for member in same:
                    value = row[member.column] or 0
                    if row["period"] not in member.starts or (level and not value):
                        continue
                    results[member.key].append(
                        ComputedValue(row["period"], area_id, Decimal(value))
                    )
        # Every period wanted has an all-areas value; no activity is zero.
        for member in same:
            seen = {v.period_start for v in results[member.key] if v.area_id is None}
            results[member.key] += [
                ComputedValue(start, None, Decimal(0)) for start in sorted(member.starts - seen)
            ]


def _levels(base: QuerySet[Any]) -> Iterable[tuple[str | None, QuerySet[Any]]]:
    """The three groupings: all areas, basic districts, sub-districts (key, grouped rows)."""
    basic = Case(
        When(area__level=SUB_DISTRICT, then=F("area__parent")),
        When(area__level=BASIC_DISTRICT, then=F("area")),
        default=None,
    )
    yield None, base.values("period")
    yield (
        "basic",
        base.annotate(basic=basic).filter(basic__isnull=False).values("period", "basic"),
    )
    yield "area", base.filter(area__level=SUB_DISTRICT).values("period", "area")


# --- Manual and ratio metrics ---------------------------------------------------------------


def compute_manual(version: MetricVersion, span: Span) -> list[ComputedValue]:
    """The measurements entered for the span's periods (all areas)."""
    rows = Measurement.objects.filter(
        metric=version.metric_id,
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("period_start", "value")
    return [ComputedValue(start, None, value) for start, value in rows]


def compute_ratio(version: MetricVersion, span: Span) -> list[ComputedValue]:
    """Numerator divided by denominator, from their stored values; zero divides to no data."""
    definition = RatioDefinition.from_json(version.definition)
    parts = dict(
        Metric.objects.filter(pk__in=[definition.numerator, definition.denominator]).values_list(
            "pk", "current_version"
        )
    )
    numerator_version = parts.get(definition.numerator)
    denominator_version = parts.get(definition.denominator)
    if numerator_version is None or denominator_version is None:
        return []
    stored = MetricValue.objects.filter(
        version__in=[numerator_version, denominator_version],
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("version", "period_start", "area", "value")
    numerators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    denominators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    for version_id, start, area_id, value in stored:
        target = numerators if version_id == numerator_version else denominators
        target[start, area_id] = value
    results = []
    for key in sorted(set(numerators) | set(denominators), key=lambda k: (k[0], k[1] or 0)):
        top, bottom = numerators.get(key) or Decimal(0), denominators.get(key)
        scale = 100 if definition.percent else 1
        value = top / bottom * scale if bottom else None
        if key[1] is None or value is not None:
            results.append(ComputedValue(key[0], key[1], value))
    return results

"""Metric values computed by SQL aggregation in the database.

Activity metrics that read the same rows share their queries: all the definitions computed
together that read one table become the aggregates of a single GROUP BY month and area, each
with its own FILTER (WHERE …) clause (see cells.py). Python adds those monthly cells up to
each metric's periods, for all areas together, per basic district (a sub-district's activities
count for its basic district) and per sub-district. Nothing here loops over activities in
Python; Python sees one row per month and area.

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

from goals.models import Strategy
from measures.cells import monthly_cells, partner_counts
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import Measurement, Metric, MetricValue, MetricVersion
from measures.periods import next_period, period_start, periods_between
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


def _source(definition: ActivityDefinition) -> str:
    """Which rows the aggregation reads; definitions of one source share a query."""
    if definition.on_signals:
        return "signals"
    if definition.aggregation == Aggregation.PARTNERS:
        return "partners"
    return "activities"


@dataclass(frozen=True)
class _Member:
    """A definition being computed: its result key, period and the periods wanted (by their
    first days)."""

    key: Hashable
    period: str
    definition: ActivityDefinition
    starts: frozenset[datetime.date]


def _month_ranges(members: Sequence[_Member]) -> list[tuple[datetime.date, datetime.date]]:
    """The days of all the members' periods, as few [first, after) ranges as they make."""
    ranges: list[tuple[datetime.date, datetime.date]] = []
    spans = sorted({(s, next_period(s, m.period)) for m in members for s in m.starts})
    for first, after in spans:
        if ranges and ranges[-1][1] >= first:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], after))
        else:
            ranges.append((first, after))
    return ranges


def _area_tree() -> dict[int, tuple[str, int | None]]:
    return {
        pk: (level, parent)
        for pk, level, parent in Area.objects.values_list("pk", "level", "parent")
    }


def _groups(areas: dict[int, tuple[str, int | None]]) -> dict[int, tuple[int | None, int | None]]:
    """Each area's basic district and sub-district, as far as it lies in one.

    A sub-district counts for itself and for its basic district; a basic district for itself;
    other areas (the whole city) only for all areas together.
    """
    groups: dict[int, tuple[int | None, int | None]] = {}
    for pk, (level, parent) in areas.items():
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

    The items of one source table are computed together, by one statement that groups the
    rows of all their periods by month and area (see cells.py); Python then adds the cells
    up to each item's periods, for all areas, per basic district and per sub-district.
    Distinct partners are counted by the database.
    """
    batches: dict[str, list[_Member]] = defaultdict(list)
    for key, period, definition, starts in items:
        member = _Member(key, period, definition, frozenset(starts))
        if member.starts:
            batches[_source(definition)].append(member)
    results: dict[Any, list[ComputedValue]] = {item[0]: [] for item in items}
    areas = _area_tree() if batches else {}
    groups = _groups(areas)
    for source, members in batches.items():
        if source == "partners":
            _compute_partners(members, areas, results)
            continue
        model: type[Activity] | type[Signal] = Signal if source == "signals" else Activity
        cells = monthly_cells(model, [m.definition for m in members], _month_ranges(members), areas)
        for index, member in enumerate(members):
            results[member.key] += _roll_up(member, index, cells, groups)
    return results


def _roll_up(
    member: _Member,
    index: int,
    cells: Sequence[tuple[datetime.date, int, list[Any]]],
    groups: dict[int, tuple[int | None, int | None]],
) -> list[ComputedValue]:
    """A member's values from the monthly cells (its value is the index-th of each cell):
    all areas for every period (zero included), basic districts and sub-districts where not
    zero."""
    starts = member.starts
    distinct = member.definition.aggregation == Aggregation.AREAS
    totals: dict[tuple[datetime.date, int | None], Any] = defaultdict(int)
    reached: dict[tuple[datetime.date, int | None], set[int]] = defaultdict(set)
    for month, area, values in cells:
        value = values[index]
        if not value:
            continue
        start = period_start(month, member.period)
        if start not in starts:
            continue
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


def _compute_partners(
    members: Sequence[_Member],
    areas: dict[int, tuple[str, int | None]],
    results: dict[Any, list[ComputedValue]],
) -> None:
    """Distinct partners, counted by the database per period and area level."""
    rows = partner_counts(
        [(m.period, m.definition) for m in members], _month_ranges(members), areas
    )
    for period, start, level, area, counts in rows:
        for index, member in enumerate(members):
            value = counts[index]
            if member.period != period or start not in member.starts:
                continue
            if level is None:
                results[member.key].append(ComputedValue(start, None, Decimal(value)))
            elif value:
                results[member.key].append(ComputedValue(start, area, Decimal(value)))
    # Every period wanted has an all-areas value; a period without activities is zero.
    for member in members:
        seen = {v.period_start for v in results[member.key] if v.area_id is None}
        results[member.key] += [
            ComputedValue(start, None, Decimal(0)) for start in sorted(member.starts - seen)
        ]


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

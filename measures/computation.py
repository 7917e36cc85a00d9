"""Metric values computed by SQL aggregation in the database.

Activity metrics that read the same rows share their queries: all the definitions computed
together that read one table become the aggregates of a single GROUP BY month and area, each
with its own FILTER (WHERE …) clause (see cells.py). Python adds those monthly cells up to
each metric's periods, for all areas together, per basic district (a sub-district's activities
count for its basic district) and per sub-district. Nothing here loops over activities in
Python; Python sees one row per month and area.

Values of the areas are stored only when they are not zero; all-areas values are stored for
every period of the history, zero included, so that a missing row always means "not computed".

This is how values are computed over all of history (a new metric or version, the nightly
recompute) or over whole periods; after an edit of the log, changes.py changes the stored
values by the edit's difference instead.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Q

from goals.models import Strategy
from kalliola.dates import first_accepted_date
from measures.cells import AreaTree, monthly_cells, partner_cells
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import VALUE_QUANTUM, Measurement, Metric, MetricValue, MetricVersion
from measures.periods import next_period, period_start, periods_between
from measures.residents import Residents
from neighbourhoods.models import Activity, Area, Signal

ONE_DAY = datetime.timedelta(days=1)

SUB_DISTRICT = Area.Level.SUB_DISTRICT
BASIC_DISTRICT = Area.Level.BASIC_DISTRICT


class ComputedValue(NamedTuple):
    """A value of a metric for one period, in all areas (area_id None) or in one area."""

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
    """From the start of the earliest strategy, or the earliest day logged or measured, to today;
    never before the first date the app accepts, whatever an old row says."""
    firsts = [
        datetime.date(year, 1, 1)
        for year in Strategy.objects.order_by("start_year").values_list("start_year", flat=True)[:1]
    ]
    for model, column in ((Activity, "date"), (Signal, "date"), (Measurement, "period_start")):
        first = model.objects.order_by(column).values_list(column, flat=True).first()
        if first is not None:
            firsts.append(first)
    return Span(max(min([*firsts, today]), first_accepted_date()), today)


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


def area_tree() -> dict[int, tuple[str, int | None]]:
    """Every area's level and parent."""
    return {
        pk: (level, parent)
        for pk, level, parent in Area.objects.values_list("pk", "level", "parent")
    }


def area_groups(areas: AreaTree) -> dict[int, tuple[int | None, int | None]]:
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

    The items of one source table are computed together (see _batches), by one statement
    that groups the rows of all their periods by month and area (see cells.py); Python then
    adds the cells up to each item's periods, for all areas, per basic district and per
    sub-district.
    Distinct partners cannot be added up; they are collected per period and area as sets.
    """
    members = [
        _Member(key, period, definition, frozenset(starts))
        for key, period, definition, starts in items
        if starts
    ]
    results: dict[Any, list[ComputedValue]] = {item[0]: [] for item in items}
    areas = area_tree() if members else {}
    keys = Keys(area_groups(areas))
    for source, batch in _batches(members):
        if source == "partners":
            _compute_partners(batch, areas, keys, results)
            continue
        model: type[Activity] | type[Signal] = Signal if source == "signals" else Activity
        cells = monthly_cells(model, [m.definition for m in batch], _month_ranges(batch), areas)
        for member, values in zip(batch, _roll_up(batch, cells, keys), strict=True):
            results[member.key] += values
    return results


# Members share a statement when the months it reads grow by at most this factor for each.
SHARED_MONTHS = 1.25


def _batches(members: Sequence[_Member]) -> list[tuple[str, list[_Member]]]:
    """Members that read the same table and (nearly) the same months, to compute together.

    Over all of history every member reads the same months, and one statement per table
    serves them all. When a few periods are stale, a monthly metric needs two months where a
    yearly one needs the year: they get statements of their own rather than the monthly one
    reading the year.
    """
    groups: dict[tuple[str, str], list[_Member]] = defaultdict(list)
    for member in members:
        groups[_source(member.definition), member.period].append(member)
    batches: list[tuple[str, set[datetime.date], list[_Member]]] = []
    for (source, _period), group in groups.items():
        months = _months(group)
        for other_source, other_months, batch in batches:
            together = len(other_months | months)
            if other_source == source and together <= SHARED_MONTHS * min(
                len(other_months), len(months)
            ):
                other_months |= months
                batch.extend(group)
                break
        else:
            batches.append((source, months, list(group)))
    return [(source, batch) for source, _months_read, batch in batches]


def _months(members: Sequence[_Member]) -> set[datetime.date]:
    """The first days of the months of the members' periods."""
    return {
        month
        for m in members
        for start in m.starts
        for month in periods_between(start, next_period(start, m.period) - ONE_DAY, "month")
    }


Key = tuple[datetime.date, int | None]  # (period start, area id or None for all areas)


class Keys:
    """The keys a month's cell in an area adds to, for one period length: the period in all
    areas, in its basic district and in its sub-district. Remembered, as members share them."""

    def __init__(self, groups: dict[int, tuple[int | None, int | None]]) -> None:
        self.groups = groups
        self.known: dict[tuple[datetime.date, int, str], tuple[Key, ...]] = {}

    def __call__(self, month: datetime.date, area: int, period: str) -> tuple[Key, ...]:
        keys = self.known.get((month, area, period))
        if keys is None:
            start = period_start(month, period)
            basic, sub = self.groups.get(area, (None, None))
            keys = ((start, None),)
            if basic is not None:
                keys += ((start, basic),)
            if sub is not None:
                keys += ((start, sub),)
            self.known[month, area, period] = keys
        return keys

    def of_cells(
        self, cells: Sequence[tuple[Any, ...]], periods: Iterable[str]
    ) -> dict[str, list[tuple[Key, ...]]]:
        """For each period length, the keys of each cell (in the cells' order)."""
        return {period: [self(cell[0], cell[1], period) for cell in cells] for period in periods}


def _values(starts: frozenset[datetime.date], totals: dict[Key, Any]) -> list[ComputedValue]:
    """All areas for every period (zero included); areas where not zero."""
    values = [
        ComputedValue(start, None, Decimal(totals.get((start, None), 0)))
        for start in sorted(starts)
    ]
    values += [
        ComputedValue(start, area, Decimal(value))
        for (start, area), value in totals.items()
        if area is not None and value and start in starts
    ]
    return values


def _roll_up(
    members: Sequence[_Member],
    cells: Sequence[tuple[datetime.date, int, list[Any]]],
    keys: Keys,
) -> list[list[ComputedValue]]:
    """Each member's values from the monthly cells (its value is the member's index-th of
    each cell), per period for all areas, per basic district and per sub-district."""
    cell_keys = keys.of_cells(cells, {m.period for m in members})
    results = []
    for index, member in enumerate(members):
        totals: dict[Key, Any] = defaultdict(int)
        if member.definition.aggregation == Aggregation.AREAS:
            reached: dict[Key, set[int]] = defaultdict(set)
            for (_month, area, values), targets in zip(
                cells, cell_keys[member.period], strict=True
            ):
                if values[index]:
                    for key in targets:
                        reached[key].add(area)
            totals.update((key, len(areas)) for key, areas in reached.items())
        else:
            for (_month, _area, values), targets in zip(
                cells, cell_keys[member.period], strict=True
            ):
                if value := values[index]:
                    for key in targets:
                        totals[key] += value
        results.append(_values(member.starts, totals))
    return results


def _partner_masks(
    members: Sequence[_Member],
    cells: Iterable[tuple[datetime.date, int, int, list[int]]],
    keys: Keys,
) -> list[dict[Key, int]]:
    """Each member's partners per period and area as bit sets (one bit per partner)."""
    bits: dict[int, int] = {}
    per_cell: dict[tuple[datetime.date, int], list[int]] = {}
    for month, area, partner, flags in cells:
        bit = bits.get(partner) or bits.setdefault(partner, 1 << len(bits))
        masks = per_cell.get((month, area))
        if masks is None:
            masks = per_cell[month, area] = [0] * len(members)
        for index, flag in enumerate(flags):
            if flag:
                masks[index] |= bit
    found: list[dict[Key, int]] = []
    for index, member in enumerate(members):
        member_found: dict[Key, int] = defaultdict(int)
        for (month, area), masks in per_cell.items():
            if mask := masks[index]:
                for key in keys(month, area, member.period):
                    member_found[key] |= mask
        found.append(member_found)
    return found


def _compute_partners(
    members: Sequence[_Member],
    areas: dict[int, tuple[str, int | None]],
    keys: Keys,
    results: dict[Any, list[ComputedValue]],
) -> None:
    """Distinct partners: the database lists the partners met per month and area; each
    member's partners per month and area, then per period and area, are collected as bit sets
    (one bit per partner)."""
    cells = partner_cells([m.definition for m in members], _month_ranges(members), areas)
    for member, found in zip(members, _partner_masks(members, cells, keys), strict=True):
        counts = {key: mask.bit_count() for key, mask in found.items()}
        results[member.key] += _values(member.starts, counts)


# --- Districts ------------------------------------------------------------------------------


REST = 0  # the "district" of the areas outside every basic district (the whole city)


def _district(area: int, tree: AreaTree) -> int:
    """The basic district an area counts for (REST for the areas outside them)."""
    level, parent = tree.get(area, ("", None))
    if level == SUB_DISTRICT and parent is not None:
        return parent
    return area if level == BASIC_DISTRICT else REST


def district_areas(areas: Iterable[int], tree: AreaTree | None = None) -> list[int]:
    """The areas of the basic districts that these areas lie in (a basic district and its
    sub-districts); ``tree`` saves reading the areas again (see area_tree)."""
    tree = area_tree() if tree is None else tree
    districts = {_district(area, tree) for area in areas}
    return sorted(area for area in tree if _district(area, tree) in districts)


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
    versions = _part_versions([definition])
    top, bottom = versions.get(definition.numerator), versions.get(definition.denominator)
    if top is None or (bottom is None and not definition.per_residents):
        return []
    rows = MetricValue.objects.filter(
        version__in=[part for part in (top, bottom) if part is not None],
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("version", "period_start", "area", "value")
    return _divide(definition, top, rows, _residents_of([definition], versions))


def stored_scope(
    parts: Iterable[tuple[int, Iterable[datetime.date] | None, Iterable[int] | None]],
) -> Q:
    """The stored values of (version id, period starts, areas) parts: of those periods (None:
    all), all areas together and those areas (None: every area).

    One condition per kind of part rather than per version: the metrics recomputed together
    share a few (those of a period length, after one edit), and a condition per version makes
    a statement that takes longer to build and to plan than to run.
    """
    scopes: dict[tuple[Any, Any], set[int]] = defaultdict(set)
    for version, periods, areas in parts:
        key = (
            None if periods is None else tuple(sorted(set(periods))),
            None if areas is None else tuple(sorted(set(areas))),
        )
        scopes[key].add(version)
    scope = Q(pk__in=[])
    for (periods, areas), versions in scopes.items():
        part = Q(version__in=sorted(versions))
        if periods is not None:
            part &= Q(period_start__in=periods)
        if areas is not None:
            part &= Q(area__isnull=True) | Q(area__in=areas)
        scope |= part
    return scope


def compute_ratios(
    items: Sequence[tuple[MetricVersion, Sequence[datetime.date], Sequence[int]]],
) -> list[list[ComputedValue]]:
    """compute_ratio() of several ratio versions at once, each in the periods that start on
    the given days, for all areas together and the given areas only."""
    definitions = [RatioDefinition.from_json(version.definition) for version, _s, _a in items]
    versions = _part_versions(definitions)
    scope = stored_scope(
        (part, starts, areas)
        for definition, (_version, starts, areas) in zip(definitions, items, strict=True)
        for pk in (definition.numerator, definition.denominator)
        if (part := versions.get(pk)) is not None
    )
    stored: dict[int, list[tuple[int, datetime.date, int | None, Decimal | None]]] = defaultdict(
        list
    )
    for row in MetricValue.objects.filter(scope).values_list(
        "version", "period_start", "area", "value"
    ):
        stored[row[0]].append(row)
    results: list[list[ComputedValue]] = []
    residents = _residents_of(definitions, versions)
    for definition, (_version, starts, areas) in zip(definitions, items, strict=True):
        top, bottom = versions.get(definition.numerator), versions.get(definition.denominator)
        if top is None or (bottom is None and not definition.per_residents):
            results.append([])
            continue
        wanted, inside = set(starts), set(areas)
        rows = [
            row
            for row in (*stored[top], *(stored[bottom] if bottom else ()))
            if row[1] in wanted and (row[2] is None or row[2] in inside)
        ]
        results.append(_divide(definition, top, rows, residents))
    return results


class _PerResidents:
    """The residents that divide the ratios per 1,000 residents: those of the areas each
    numerator metric's current definition counts in (none for a manual one: the city)."""

    def __init__(self, definitions: Iterable[RatioDefinition], versions: dict[int, int]) -> None:
        wanted = {versions[d.numerator] for d in definitions if d.numerator in versions}
        self.areas: dict[int, tuple[int, ...]] = {}
        for pk, kind, definition in MetricVersion.objects.filter(pk__in=wanted).values_list(
            "pk", "metric__kind", "definition"
        ):
            counts_log = kind == Metric.Kind.ACTIVITY
            self.areas[pk] = ActivityDefinition.from_json(definition).areas if counts_log else ()
        self.residents = Residents()

    def of(self, version: int, day: datetime.date, area: int | None) -> Decimal | None:
        return self.residents.of(self.areas.get(version, ()), day, district=area)


def _residents_of(
    definitions: Sequence[RatioDefinition], versions: dict[int, int]
) -> _PerResidents | None:
    if not any(definition.per_residents for definition in definitions):
        return None
    return _PerResidents([d for d in definitions if d.per_residents], versions)


def _part_versions(definitions: Iterable[RatioDefinition]) -> dict[int, int]:
    """The current version of each numerator and denominator metric."""
    parts = {pk for d in definitions for pk in (d.numerator, d.denominator)}
    found = Metric.objects.filter(pk__in=parts, current_version__isnull=False)
    return dict(found.values_list("pk", "current_version"))


def _divide(
    definition: RatioDefinition,
    numerator_version: int,
    rows: Iterable[tuple[int, datetime.date, int | None, Decimal | None]],
    residents: _PerResidents | None = None,
) -> list[ComputedValue]:
    """The ratio per period and area from the parts' (version, start, area, value) rows, or,
    per 1,000 residents, from the numerator's rows and the residents."""
    numerators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    denominators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    for version_id, start, area_id, value in rows:
        target = numerators if version_id == numerator_version else denominators
        target[start, area_id] = value
    if definition.per_residents and residents is not None:
        denominators = {
            (start, area): residents.of(numerator_version, start, area)
            for start, area in numerators
        }
    results = []
    scale = definition.scale
    for key in sorted(set(numerators) | set(denominators), key=lambda k: (k[0], k[1] or 0)):
        top, bottom = numerators.get(key) or Decimal(0), denominators.get(key)
        value = (top / bottom * scale).quantize(VALUE_QUANTUM, ROUND_HALF_UP) if bottom else None
        if key[1] is None or value is not None:
            results.append(ComputedValue(key[0], key[1], value))
    return results

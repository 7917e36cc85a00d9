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
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db.models import Q

from goals.models import Strategy
from measures.cells import AreaTree, Only, monthly_cells, partner_cells
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import VALUE_QUANTUM, Measurement, Metric, MetricValue, MetricVersion
from measures.periods import next_period, period_start, periods_between
from neighbourhoods.models import Activity, Area, Signal

ONE_DAY = datetime.timedelta(days=1)

SUB_DISTRICT = Area.Level.SUB_DISTRICT
BASIC_DISTRICT = Area.Level.BASIC_DISTRICT


class ComputedValue(NamedTuple):
    """A value of a metric for one period, in all areas (area_id None) or in one area; for
    distinct partners in all areas, also the partners counted (see MetricValue.partners)."""

    period_start: datetime.date
    area_id: int | None
    value: Decimal | None
    partners: tuple[int, ...] | None = None


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
    for model, column in ((Activity, "date"), (Signal, "date"), (Measurement, "period_start")):
        first = model.objects.order_by(column).values_list(column, flat=True).first()
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


def area_tree() -> dict[int, tuple[str, int | None]]:
    """Every area's level and parent."""
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
    keys = _Keys(_groups(areas))
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


class _Keys:
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


def _values(
    starts: frozenset[datetime.date],
    totals: dict[Key, Any],
    partners: dict[datetime.date, tuple[int, ...]] | None = None,
) -> list[ComputedValue]:
    """All areas for every period (zero included, with the partners counted when given);
    areas where not zero."""
    values = [
        ComputedValue(
            start,
            None,
            Decimal(totals.get((start, None), 0)),
            None if partners is None else partners.get(start, ()),
        )
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
    keys: _Keys,
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
    keys: _Keys,
) -> tuple[list[int], list[dict[Key, int]]]:
    """Each member's partners per period and area as bit sets, and the partner of each bit."""
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
    return list(bits), found


def _partners_of(mask: int, ids: Sequence[int]) -> tuple[int, ...]:
    return tuple(sorted(ids[bit] for bit in range(mask.bit_length()) if mask >> bit & 1))


def _compute_partners(
    members: Sequence[_Member],
    areas: dict[int, tuple[str, int | None]],
    keys: _Keys,
    results: dict[Any, list[ComputedValue]],
) -> None:
    """Distinct partners: the database lists the partners met per month and area; each
    member's partners per month and area, then per period and area, are collected as bit sets
    (one bit per partner). The all-areas values keep the partners they counted."""
    cells = partner_cells([m.definition for m in members], _month_ranges(members), areas)
    ids, found = _partner_masks(members, cells, keys)
    for member, member_found in zip(members, found, strict=True):
        counts = {key: mask.bit_count() for key, mask in member_found.items()}
        partners = {
            start: _partners_of(mask, ids)
            for (start, area), mask in member_found.items()
            if area is None
        }
        results[member.key] += _values(member.starts, counts, partners)


# --- After an edit: the edited rows' districts only -----------------------------------------


@dataclass(frozen=True)
class LocalItem:
    """Periods of a metric version in which only the rows of some areas changed (the areas an
    edit named), and, for distinct partners, only the presence of some partners."""

    key: Hashable
    version: int
    period: str
    definition: ActivityDefinition
    starts: frozenset[datetime.date]
    areas: frozenset[int]
    partners: frozenset[int] = frozenset()


# Beyond this share of all areas, reading the districts' rows saves little: compute the periods.
LOCAL_AREAS = 0.5

REST = 0  # the "district" of the areas outside every basic district (the whole city)

Local = tuple[list[ComputedValue], list[int] | None]  # values, and the areas they replace


def _district(area: int, tree: AreaTree) -> int:
    level, parent = tree.get(area, ("", None))
    if level == SUB_DISTRICT and parent is not None:
        return parent
    return area if level == BASIC_DISTRICT else REST


def _read_areas(districts: frozenset[int], tree: AreaTree) -> list[int]:
    """The areas whose rows make up the districts' values."""
    return sorted(area for area in tree if _district(area, tree) in districts)


def district_areas(areas: Iterable[int], tree: AreaTree | None = None) -> list[int]:
    """The areas of the districts (see compute_local) that these areas lie in; ``tree``
    saves reading the areas again (see area_tree)."""
    tree = area_tree() if tree is None else tree
    return _read_areas(frozenset(_district(area, tree) for area in areas), tree)


def compute_local(items: Sequence[LocalItem]) -> dict[Any, Local]:
    """Values of the items' periods after an edit, reading only the edited districts' rows.

    An activity counts for its own sub-district, its basic district and all areas, nowhere
    else. So the values of the districts an edit touched are computed again from their rows
    alone, and the all-areas value follows from what is stored:

        all areas = stored all areas - the districts' stored values + their new values

    (the areas outside basic districts counting as one more district, whose stored value is
    what the basic districts leave of the all-areas value). Distinct areas add up the same way.
    Distinct partners do not; their all-areas value is the stored set of partners counted,
    with the edited activities' partners looked up again in the period.

    Returns each item's values and the areas whose values they replace, with the all-areas
    values; an item whose stored values cannot be built on (never computed, or too many areas
    touched) is computed over its whole periods instead, and replaces every area (None).
    """
    tree = area_tree() if items else {}
    keys = _Keys(_groups(tree))
    results: dict[Any, Local] = {}
    districts = {item.key: frozenset(_district(a, tree) for a in item.areas) for item in items}
    read = {key: _read_areas(found, tree) for key, found in districts.items()}
    stored = _stored_for(items, districts)
    whole = [
        item
        for item in items
        if len(read[item.key]) > LOCAL_AREAS * len(tree)
        or any((item.version, start) not in stored.totals for start in item.starts)
        or (
            item.definition.aggregation == Aggregation.PARTNERS
            and any(stored.partners.get((item.version, start)) is None for start in item.starts)
        )
    ]
    computed = compute_periods([(i.key, i.period, i.definition, i.starts) for i in whole])
    results.update((key, (values, None)) for key, values in computed.items())
    batches: dict[tuple[str, frozenset[int]], list[LocalItem]] = defaultdict(list)
    for item in items:
        if item.key not in results:
            batches[_source(item.definition), districts[item.key]].append(item)
    for (source, found), batch in batches.items():
        members = [_Member(i.key, i.period, i.definition, i.starts) for i in batch]
        model: type[Activity] | type[Signal] = Signal if source == "signals" else Activity
        areas = read[batch[0].key]
        only = Only(model, areas=areas)
        if source == "partners":
            values = _local_partners(batch, members, tree, keys, only, stored)
        else:
            cells = monthly_cells(
                model, [m.definition for m in members], _month_ranges(members), tree, only
            )
            values = [
                _rebase(item, rolled, found, stored)
                for item, rolled in zip(batch, _roll_up(members, cells, keys), strict=True)
            ]
        for item, item_values in zip(batch, values, strict=True):
            results[item.key] = (item_values, areas)
    return results


@dataclass
class _Stored:
    """What is stored of the items' periods: all-areas values (and partners), district values."""

    totals: dict[tuple[int, datetime.date], Decimal] = field(default_factory=dict)
    partners: dict[tuple[int, datetime.date], list[int] | None] = field(default_factory=dict)
    districts: dict[tuple[int, datetime.date], dict[int, Decimal]] = field(
        default_factory=lambda: defaultdict(dict)
    )


def _stored_for(items: Sequence[LocalItem], districts: dict[Any, frozenset[int]]) -> _Stored:
    stored = _Stored()
    if not items:
        return stored
    basics = sorted({d for found in districts.values() for d in found if d != REST})
    # The whole city's "district" is what all basic districts leave: their values are needed.
    every_basic = [i.version for i in items if REST in districts[i.key]]
    rows = MetricValue.objects.filter(
        version__in={i.version for i in items},
        period_start__in={start for i in items for start in i.starts},
    ).filter(
        Q(area__isnull=True)
        | Q(area__in=basics)
        | Q(version__in=every_basic, area__level=BASIC_DISTRICT)
    )
    for version, start, area, value, partners in rows.values_list(
        "version", "period_start", "area", "value", "partners"
    ):
        if area is None:
            stored.totals[version, start] = value or Decimal(0)
            stored.partners[version, start] = partners
        else:
            stored.districts[version, start][area] = value or Decimal(0)
    return stored


def _rebase(
    item: LocalItem, rolled: list[ComputedValue], found: frozenset[int], stored: _Stored
) -> list[ComputedValue]:
    """The districts' values as computed, and all areas from the stored all-areas value."""
    values = []
    for value in rolled:
        if value.area_id is not None:
            values.append(value)
            continue
        total = stored.totals[item.version, value.period_start]
        by_district = stored.districts.get((item.version, value.period_start), {})
        before = sum((by_district.get(d, Decimal(0)) for d in found if d != REST), Decimal(0))
        if REST in found:
            before += total - sum(by_district.values(), Decimal(0))
        values.append(value._replace(value=total - before + (value.value or 0)))
    return values


def _local_partners(
    batch: Sequence[LocalItem],
    members: Sequence[_Member],
    tree: dict[int, tuple[str, int | None]],
    keys: _Keys,
    only: Only,
    stored: _Stored,
) -> list[list[ComputedValue]]:
    """Distinct partners of the districts from their rows; in all areas, the stored partners
    with the edited activities' partners looked up again."""
    definitions = [m.definition for m in members]
    ranges = _month_ranges(members)
    _ids, found = _partner_masks(members, partner_cells(definitions, ranges, tree, only), keys)
    asked = sorted({p for item in batch for p in item.partners})
    met_ids, met = _partner_masks(
        members,
        partner_cells(definitions, ranges, tree, Only(Activity, partners=asked)) if asked else [],
        keys,
    )
    results = []
    for item, member, member_found, member_met in zip(batch, members, found, met, strict=True):
        counts = {key: mask.bit_count() for key, mask in member_found.items() if key[1]}
        partners = {}
        for start in item.starts:
            kept = set(stored.partners[item.version, start] or ()) - item.partners
            now = set(_partners_of(member_met.get((start, None), 0), met_ids))
            partners[start] = tuple(sorted(kept | (now & item.partners)))
            counts[start, None] = len(partners[start])
        results.append(_values(member.starts, counts, partners))
    return results


# --- Manual and ratio metrics ---------------------------------------------------------------


def compute_manual(version: MetricVersion, span: Span) -> list[ComputedValue]:
    """The measurements entered for the span's periods (all areas)."""
    rows = Measurement.objects.filter(
        metric=version.metric_id,
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("period_start", "value")
    return [ComputedValue(start, None, value) for start, value in rows]


def compute_ratio(
    version: MetricVersion, span: Span, areas: Sequence[int] | None = None
) -> list[ComputedValue]:
    """Numerator divided by denominator, from their stored values; zero divides to no data.
    With ``areas``, only all areas together and those areas."""
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
    )
    if areas is not None:
        stored = stored.filter(Q(area__isnull=True) | Q(area__in=areas))
    rows = stored.values_list("version", "period_start", "area", "value")
    numerators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    denominators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    for version_id, start, area_id, value in rows:
        target = numerators if version_id == numerator_version else denominators
        target[start, area_id] = value
    results = []
    for key in sorted(set(numerators) | set(denominators), key=lambda k: (k[0], k[1] or 0)):
        top, bottom = numerators.get(key) or Decimal(0), denominators.get(key)
        scale = 100 if definition.percent else 1
        value = (top / bottom * scale).quantize(VALUE_QUANTUM, ROUND_HALF_UP) if bottom else None
        if key[1] is None or value is not None:
            results.append(ComputedValue(key[0], key[1], value))
    return results

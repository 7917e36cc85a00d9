"""What an edit of the log changes in stored values, without reading the whole period again.

An activity (or a signal) counts for a metric in one cell: its month in its area. Before an
edit, the receivers ask contributions() what the row counts for each metric and keep it on
the edit's stale marks (StalePeriod.row and .before), in the edit's transaction and under the
row's lock. Only the first edit since the last recompute keeps it: that is what the stored
values saw. The recompute asks what the edited rows count now and changes the stored values
by the difference (apply_changes):

- numbers of activities and signals, sums of participants, volunteers and hours: each stored
  value of a period (in all areas, the basic district, the sub-district) plus the difference;
- distinct areas: an area whose presence in a period flipped adds or removes one. Whether it
  was present before is its number of rows now, less what the edited rows count now, plus
  what they counted before; its rows now are read from the area alone;
- distinct partners: the same for each partner of the edited activities, reading only the
  activities linked to those partners.

So a recompute after an edit reads the edited rows, a few areas' rows, and the partners' rows,
whatever the period: a year costs what a month does.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from measures.cells import AreaTree, Only, monthly_cells, partner_cells, row_cells, row_partners
from measures.computation import (
    ComputedValue,
    Key,
    Keys,
    area_groups,
    area_tree,
    stored_scope,
)
from measures.definitions import ActivityDefinition, Aggregation
from measures.models import MetricValue
from measures.periods import next_period, period_start
from neighbourhoods.models import Activity, Signal

LogModel = type[Activity] | type[Signal]


class Contribution(NamedTuple):
    """What one row counts for one metric: in its month and area, a value (1 for distinct
    areas; the number of partners for distinct partners) and the partners it counts."""

    month: datetime.date
    area: int
    value: Decimal
    partners: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month.isoformat(),
            "area": self.area,
            "value": str(self.value),
            "partners": list(self.partners),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Contribution | None:
        """None for {}: the row counted for nothing."""
        if not data:
            return None
        return cls(
            datetime.date.fromisoformat(data["month"]),
            data["area"],
            Decimal(data["value"]),
            tuple(data.get("partners", ())),
        )


def contributions(
    model: LogModel,
    items: Sequence[tuple[Hashable, ActivityDefinition]],
    rows: Sequence[int],
    tree: AreaTree | None = None,
) -> dict[int, dict[Hashable, Contribution]]:
    """What each row counts for each (key, definition) item, by the same SQL as the values
    (see cells.row_cells). A row that counts for nothing (or no longer exists) has no entry."""
    found: dict[int, dict[Hashable, Contribution]] = {row: {} for row in rows}
    if not rows or not items:
        return found
    if tree is None:  # the area filters need it (a basic district includes its sub-districts)
        tree = area_tree() if any(d.areas for _key, d in items) else {}
    plain = [item for item in items if item[1].aggregation != Aggregation.PARTNERS]
    counted = [item for item in items if item[1].aggregation == Aggregation.PARTNERS]
    if plain:
        cells = row_cells(model, [d for _key, d in plain], rows, tree)
        for row, (month, area, values) in cells.items():
            for (key, _definition), value in zip(plain, values, strict=True):
                if value:
                    found[row][key] = Contribution(month, area, Decimal(value))
    if counted and model is Activity:
        linked = row_partners([d for _key, d in counted], rows, tree)
        for row, (month, area, partners) in linked.items():
            for (key, _definition), ids in zip(counted, partners, strict=True):
                if ids:
                    found[row][key] = Contribution(
                        month, area, Decimal(len(ids)), tuple(sorted(ids))
                    )
    return found


@dataclass(frozen=True)
class Change:
    """The edited rows of one metric version since its values were stored, with what each
    counted then (None: nothing)."""

    metric: int
    version: int
    period: str
    definition: ActivityDefinition
    before: Mapping[int, Contribution | None]

    @property
    def model(self) -> LogModel:
        return Signal if self.definition.on_signals else Activity


Applied = tuple[list[datetime.date], list[ComputedValue], list[int]]  # periods, values, areas


def apply_changes(changes: Sequence[Change]) -> dict[int, Applied | None]:
    """The new values of the periods and areas the changes touch, from the stored values plus
    the difference (see the module's docstring): the periods' starts, the values, and the
    areas whose values they replace (with all areas together). None for a change that cannot
    be built on stored values (a period never computed): compute its periods instead."""
    tree = area_tree() if changes else {}
    keys = Keys(area_groups(tree))
    now: dict[int, dict[int, Contribution]] = {}
    for model in (Activity, Signal):
        mine = [c for c in changes if c.model is model]
        rows = sorted({row for c in mine for row in c.before})
        found = contributions(model, [(c.metric, c.definition) for c in mine], rows, tree)
        for change in mine:
            now[change.metric] = {
                row: contribution
                for row in change.before
                if (contribution := found.get(row, {}).get(change.metric)) is not None
            }
    deltas = {c.metric: _differences(c, now[c.metric], keys) for c in changes}
    _flip_areas(
        [c for c in changes if c.definition.aggregation == Aggregation.AREAS],
        now,
        deltas,
        keys,
        tree,
    )
    _flip_partners(
        [c for c in changes if c.definition.aggregation == Aggregation.PARTNERS],
        now,
        deltas,
        keys,
        tree,
    )
    return _add_to_stored(changes, deltas)


def _sides(change: Change, now: Mapping[int, Contribution]) -> Iterable[tuple[int, Contribution]]:
    """(-1, what a row counted before) and (+1, what it counts now), for every edited row
    that counts differently now (an edit of a title, say, changes nothing)."""
    for row, before in change.before.items():
        after = now.get(row)
        if before == after:
            continue
        if before is not None:
            yield -1, before
        if after is not None:
            yield 1, after


def _differences(change: Change, now: Mapping[int, Contribution], keys: Keys) -> dict[Key, Decimal]:
    """The differences of counts and sums per period and area level; for distinct areas and
    partners only the periods and levels touched (with 0), their flips come later."""
    differences: dict[Key, Decimal] = defaultdict(Decimal)
    additive = change.definition.aggregation not in (Aggregation.AREAS, Aggregation.PARTNERS)
    for sign, contribution in _sides(change, now):
        for key in keys(contribution.month, contribution.area, change.period):
            differences[key] += sign * contribution.value if additive else 0
    return differences


def _ranges(
    changes: Sequence[Change], deltas: Mapping[int, Mapping[Key, Decimal]]
) -> list[tuple[datetime.date, datetime.date]]:
    spans = {
        (start, next_period(start, change.period))
        for change in changes
        for start, _area in deltas[change.metric]
    }
    return sorted(spans)


def _flip(now: Decimal | int, difference: Decimal | int) -> int:
    """+1 if something (an area, a partner) with ``now`` counted rows is there now and was not
    before the edits, whose rows count ``difference`` more now; -1 the other way round."""
    return (now > 0) - (now - difference > 0)


def _flip_areas(
    changes: Sequence[Change],
    now: Mapping[int, Mapping[int, Contribution]],
    deltas: dict[int, dict[Key, Decimal]],
    keys: Keys,
    tree: AreaTree,
) -> None:
    """Distinct areas: +1 or -1 where an edited row's area came or went in a period."""
    for model in (Activity, Signal):
        mine = [c for c in changes if c.model is model]
        touched = sorted(
            {c.area for change in mine for _s, c in _sides(change, now[change.metric])}
        )
        if not touched:
            continue
        cells = monthly_cells(
            model,
            [c.definition for c in mine],
            _ranges(mine, deltas),
            tree,
            Only(model, areas=touched),
        )
        for index, change in enumerate(mine):
            rows: dict[tuple[datetime.date, int], Decimal] = defaultdict(Decimal)
            for month, area, values in cells:
                rows[period_start(month, change.period), area] += values[index] or 0
            edited: dict[tuple[datetime.date, int], Decimal] = defaultdict(Decimal)
            for sign, c in _sides(change, now[change.metric]):
                edited[period_start(c.month, change.period), c.area] += sign
            for (start, area), difference in edited.items():
                flip = _flip(rows[start, area], difference)
                for key in keys(start, area, change.period):
                    deltas[change.metric][key] += flip


def _flip_partners(
    changes: Sequence[Change],
    now: Mapping[int, Mapping[int, Contribution]],
    deltas: dict[int, dict[Key, Decimal]],
    keys: Keys,
    tree: AreaTree,
) -> None:
    """Distinct partners: +1 or -1 per period and area level where one of the edited
    activities' partners came or went."""
    partners = sorted(
        {
            p
            for change in changes
            for _s, c in _sides(change, now[change.metric])
            for p in c.partners
        }
    )
    if not partners:
        return
    cells = list(
        partner_cells(
            [c.definition for c in changes],
            _ranges(changes, deltas),
            tree,
            Only(Activity, partners=partners),
        )
    )
    for index, change in enumerate(changes):
        rows: dict[tuple[Key, int], int] = defaultdict(int)
        for month, area, partner, counts in cells:
            if counts[index]:
                for key in keys(month, area, change.period):
                    rows[key, partner] += counts[index]
        edited: dict[tuple[Key, int], int] = defaultdict(int)
        for sign, c in _sides(change, now[change.metric]):
            for key in keys(c.month, c.area, change.period):
                for partner in c.partners:
                    edited[key, partner] += sign
        for (key, partner), difference in edited.items():
            deltas[change.metric][key] += _flip(rows[key, partner], difference)


def _add_to_stored(
    changes: Sequence[Change], deltas: Mapping[int, Mapping[Key, Decimal]]
) -> dict[int, Applied | None]:
    """The stored values of the touched periods and areas, plus the differences."""
    scope = stored_scope(
        (
            change.version,
            (start for start, _area in deltas[change.metric]),
            (area for _start, area in deltas[change.metric] if area is not None),
        )
        for change in changes
    )
    stored: dict[int, dict[Key, Decimal]] = defaultdict(dict)
    rows = MetricValue.objects.filter(scope).values_list("version", "period_start", "area", "value")
    for version, start, area, value in rows:
        stored[version][start, area] = value or Decimal(0)
    results: dict[int, Applied | None] = {}
    for change in changes:
        difference = deltas[change.metric]
        starts = sorted({start for start, _area in difference})
        areas = sorted({area for _start, area in difference if area is not None})
        mine = stored[change.version]
        if any((start, None) not in mine for start in starts):
            results[change.metric] = None
            continue
        values = [
            ComputedValue(start, area, value)
            for (start, area) in sorted(set(mine) | set(difference), key=_order)
            if (value := mine.get((start, area), Decimal(0)) + difference.get((start, area), 0))
            or area is None
        ]
        results[change.metric] = (starts, values, areas)
    return results


def _order(key: Key) -> tuple[datetime.date, int]:
    return key[0], key[1] or 0

"""Residents of the areas a metric counts in, from the public statistics (AreaStatistics), for
ratio metrics "per 1,000 residents" (e.g. participants per 1,000 residents in the eastern
districts): the numerator metric's values divided by the residents of the areas its activities
are filtered to, or of the whole city when it has no area filter.

A period is divided by the statistics of its own year, or of the latest year before it, or
failing those of the earliest year loaded (the statistics arrive a year or two late). An area
without residents (the sea, an industrial area) gives no value, never a division by zero.
Sub-districts are counted once: a filter naming a basic district and one of its sub-districts
counts the district's residents.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from neighbourhoods.models import Area, AreaStatistics


class Residents:
    """The residents of every area in every statistical year, and the division of areas into
    basic districts, read once."""

    def __init__(self) -> None:
        self.by_year: dict[int, dict[int, Decimal]] = defaultdict(dict)
        for area, year, residents in AreaStatistics.objects.values_list(
            "area", "year", "residents"
        ):
            self.by_year[year][area] = residents
        self.years = sorted(self.by_year)
        areas = Area.objects.values_list("pk", "level", "parent")
        self.level = {pk: level for pk, level, _parent in areas}
        self.parent = {pk: parent for pk, _level, parent in areas}
        self.city = next(
            (pk for pk, level, _p in areas if level == Area.Level.MUNICIPALITY and self._has(pk)),
            None,
        )

    def _has(self, area: int) -> bool:
        return any(area in figures for figures in self.by_year.values())

    def year_for(self, day: datetime.date) -> int | None:
        earlier = [year for year in self.years if year <= day.year]
        if earlier:
            return earlier[-1]
        return self.years[0] if self.years else None

    def district_of(self, area: int) -> int:
        """The basic district an area is (part of)."""
        if self.level.get(area) == Area.Level.SUB_DISTRICT and self.parent.get(area):
            return self.parent[area]  # type: ignore[return-value]
        return area

    def of(
        self, areas: Iterable[int], day: datetime.date, *, district: int | None = None
    ) -> Decimal | None:
        """The residents of the filter's areas (none: the whole city) in the statistics of the
        day's year; with ``district``, only those within that basic district."""
        year = self.year_for(day)
        if year is None:
            return None
        figures = self.by_year[year]
        chosen = set(areas)
        scope: set[int]
        if chosen:
            # A sub-district whose basic district is chosen too is counted with the district.
            scope = {a for a in chosen if self.district_of(a) == a or self.parent[a] not in chosen}
            if district is not None:
                scope = {a for a in scope if self.district_of(a) == district}
        elif district is not None:
            scope = {district}
        else:
            scope = {self.city} if self.city is not None else set()
        if not scope or any(area not in figures for area in scope):
            return None
        total = sum((figures[area] for area in scope), Decimal(0))
        return total or None

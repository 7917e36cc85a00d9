"""The need index: how much a basic district's residents need what Kalliola does, from public
statistics, with Helsinki as a whole at 0.

Each component is a share of residents, computed from the district's summed counts (see
neighbourhoods/statistics.py): the share of adults in the lowest income class, the register-based
unemployment rate (unemployed of employed and unemployed) and the share of adults with basic
education only. A component is standardised against Helsinki:

    z(district) = (share in the district − share in Helsinki) / spread

where the spread is the standard deviation of the share across the basic districts with
residents (each district counting once, whatever its size). The index is the mean of the
standardised components that are turned on (admins turn them on and off in the admin). A
district whose shares equal Helsinki's has index 0; a positive index means more need than
Helsinki as a whole, and 1 means one spread more on average.

The method page (/inequality/method/) shows this, with the components as the code lists them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from neighbourhoods.districts import HELSINKI_CODE
from neighbourhoods.models import Area, AreaStatistics, NeedComponent
from neighbourhoods.statistics import rate


@dataclass(frozen=True)
class Component:
    """A share: the sum of some counts of AreaStatistics over the sum of others."""

    key: str
    label: Promise
    explanation: Promise
    part: tuple[str, ...]
    whole: tuple[str, ...]

    def share(self, statistics: AreaStatistics) -> Decimal | None:
        part = sum((getattr(statistics, name) for name in self.part), Decimal(0))
        whole = sum((getattr(statistics, name) for name in self.whole), Decimal(0))
        return rate(part, whole)


COMPONENTS: dict[str, Component] = {
    component.key: component
    for component in (
        Component(
            "low_income",
            _("Adults in the lowest income class"),
            _("Adults in the lowest of Statistics Finland's three income classes, of all adults."),
            part=("lowest_income_class",),
            whole=("adults",),
        ),
        Component(
            "unemployment",
            _("Unemployment rate"),
            _(
                "The unemployed of the employed and the unemployed, by main activity (a "
                "register-based rate, not the official labour force survey's)."
            ),
            part=("unemployed",),
            whole=("employed", "unemployed"),
        ),
        Component(
            "basic_education",
            _("Adults with basic education only"),
            _("Adults whose highest completed education is basic level, of all adults."),
            part=("basic_education_only",),
            whole=("adults",),
        ),
    )
}


def enabled_components() -> list[Component]:
    """The components that count, in the order above; a component with no setting counts."""
    off = set(NeedComponent.objects.filter(enabled=False).values_list("key", flat=True))
    return [component for key, component in COMPONENTS.items() if key not in off]


def _percents(
    shares: Mapping[str, Decimal | None], components: Sequence[Component]
) -> list[float | None]:
    """The shares in the components' order, as percentages, for a table."""
    return [None if (share := shares[c.key]) is None else float(share) * 100 for c in components]


@dataclass(frozen=True)
class DistrictNeed:
    area: Area
    residents: Decimal
    shares: Mapping[str, Decimal | None]
    scores: Mapping[str, float | None]
    index: float | None
    percents: Sequence[float | None]


@dataclass(frozen=True)
class NeedIndex:
    year: int
    components: Sequence[Component]
    helsinki: Mapping[str, Decimal | None]
    spreads: Mapping[str, float | None]
    districts: Sequence[DistrictNeed]

    @property
    def helsinki_percents(self) -> list[float | None]:
        return _percents(self.helsinki, self.components)


def _spread(values: Sequence[Decimal]) -> float | None:
    """The standard deviation (of the population of districts); None below two values or 0."""
    if len(values) < 2:
        return None
    mean = sum(values, Decimal(0)) / len(values)
    deviation = math.sqrt(float(sum(((v - mean) ** 2 for v in values), Decimal(0)) / len(values)))
    return deviation or None


def compute(
    helsinki: AreaStatistics,
    districts: Sequence[AreaStatistics],
    components: Sequence[Component],
) -> NeedIndex:
    """The index of each district from its statistics and the city's (a pure function)."""
    city = {c.key: c.share(helsinki) for c in components}
    shares = [{c.key: c.share(row) for c in components} for row in districts]
    spreads = {
        c.key: _spread([share for s in shares if (share := s[c.key]) is not None])
        for c in components
    }
    results = []
    for row, own in zip(districts, shares, strict=True):
        scores: dict[str, float | None] = {}
        for c in components:
            share, base, spread = own[c.key], city[c.key], spreads[c.key]
            scores[c.key] = (
                None
                if share is None or base is None or spread is None
                else float(share - base) / spread
            )
        known = [score for score in scores.values() if score is not None]
        index = sum(known) / len(known) if components and len(known) == len(components) else None
        percents = _percents(own, components)
        results.append(DistrictNeed(row.area, row.residents, own, scores, index, percents))
    return NeedIndex(helsinki.year, list(components), city, spreads, results)


def latest_year() -> int | None:
    return (
        AreaStatistics.objects.filter(area__code=HELSINKI_CODE)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def need_index(year: int | None = None) -> NeedIndex | None:
    """The need index of every basic district in a statistical year (the latest by default),
    in two queries; None if there are no statistics."""
    year = year or latest_year()
    if year is None:
        return None
    rows = list(
        AreaStatistics.objects.filter(
            year=year, area__level__in=[Area.Level.MUNICIPALITY, Area.Level.BASIC_DISTRICT]
        ).select_related("area")
    )
    helsinki = next((row for row in rows if row.area.code == HELSINKI_CODE), None)
    if helsinki is None:
        return None
    districts = sorted(
        (row for row in rows if row.area.level == Area.Level.BASIC_DISTRICT),
        key=lambda row: row.area.code,
    )
    return compute(helsinki, districts, enabled_components())

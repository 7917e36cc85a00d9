"""The neighbourhood dashboards: the districts side by side in a year, and one district (or
sub-district) over time, beside its public statistics.

Kalliola's reach in an area (activities, participants, new participants) is read from the
stored values of the built-in yearly reach metrics (see meter.py), so these pages do not grow
with the log. What cannot be stored as a number per area and year (which themes the signals
heard there had, which units and partners worked there) is read from the log, one aggregate
query each, restricted to the area and the year.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from goals.models import InequalityTheme
from measures.meter import (
    DistrictReach,
    Meter,
    reach_metrics,
    reach_values,
    years_with_reach,
)
from measures.models import Metric
from neighbourhoods.districts import HELSINKI_CODE
from neighbourhoods.models import Activity, Area, AreaStatistics, Partner, Signal, Unit
from neighbourhoods.need import COMPONENTS, Component
from neighbourhoods.statistics import rate

AGE_BANDS = (
    ("residents_0_12", "0–12"),
    ("residents_13_17", "13–17"),
    ("residents_18_29", "18–29"),
    ("residents_30_64", "30–64"),
    ("residents_65_plus", "65+"),
)


def districts_worked_in() -> set[int]:
    """The basic districts Kalliola works in (itself flagged, or any of its sub-districts)."""
    chosen: set[int] = set()
    for pk, level, parent in Area.objects.filter(kalliola_works_here=True).values_list(
        "pk", "level", "parent"
    ):
        if level == Area.Level.BASIC_DISTRICT:
            chosen.add(pk)
        elif parent is not None:
            chosen.add(parent)
    return chosen


def side_by_side(result: Meter, *, everywhere: bool) -> list[DistrictReach]:
    """The meter's districts, those Kalliola works in unless everywhere, by name."""
    rows = list(result.districts)
    if not everywhere:
        chosen = districts_worked_in()
        rows = [row for row in rows if row.need.area.pk in chosen]
    return sorted(rows, key=lambda row: row.need.area.name)


@dataclass(frozen=True)
class YearReach:
    year: int
    activities: Decimal
    participants: Decimal
    new_participants: Decimal


@dataclass(frozen=True)
class ProfileRow:
    """One figure of the area's statistics beside Helsinki's, as percentages."""

    label: str
    area: float | None
    helsinki: float | None


@dataclass(frozen=True)
class PartReach:
    area: Area
    residents: Decimal | None
    activities: Decimal
    participants: Decimal
    participants_per_1000: float | None


@dataclass(frozen=True)
class AreaDashboard:
    area: Area
    year: int
    over_time: Sequence[YearReach]
    statistics_year: int | None
    profile: Sequence[ProfileRow]
    ages: Sequence[ProfileRow]
    parts: Sequence[PartReach]
    themes: Sequence[tuple[str, int]]
    units: Sequence[str]
    partners: Sequence[str]


def area_for_page(code: str) -> Area | None:
    return (
        Area.objects.filter(
            code=code, level__in=[Area.Level.BASIC_DISTRICT, Area.Level.SUB_DISTRICT]
        )
        .select_related("parent")
        .first()
    )


def _percent(part: Decimal | None, whole: Decimal | None) -> float | None:
    share = rate(part, whole)
    return None if share is None else float(share) * 100


def _component_percent(component: Component, row: AreaStatistics | None) -> float | None:
    if row is None:
        return None
    share = component.share(row)
    return None if share is None else float(share) * 100


def area_dashboard(area: Area, year: int) -> AreaDashboard:
    """Everything one area's dashboard shows, in a fixed number of queries."""
    metrics = reach_metrics()
    parts = (
        list(Area.objects.filter(parent=area).order_by("name"))
        if area.level == Area.Level.BASIC_DISTRICT
        else []
    )
    values = reach_values(metrics, [area, *parts])
    years = years_with_reach(metrics)

    def value(kind: str, each: int, place: Area) -> Decimal:
        return values.get((kind, each, place.pk), Decimal(0))

    over_time = [
        YearReach(
            each,
            value(Metric.BuiltIn.REACH_ACTIVITIES, each, area),
            value(Metric.BuiltIn.REACH_PARTICIPANTS, each, area),
            value(Metric.BuiltIn.REACH_NEW, each, area),
        )
        for each in years
    ]
    statistics = {
        row.area_id: row
        for row in AreaStatistics.objects.filter(
            Q(area__in=[area, *parts]) | Q(area__code=HELSINKI_CODE)
        ).order_by("year")
    }
    helsinki = next(
        (
            row
            for row in statistics.values()
            if row.area_id not in {area.pk, *(p.pk for p in parts)}
        ),
        None,
    )
    own = statistics.get(area.pk)
    profile = [
        ProfileRow(
            str(component.label),
            _component_percent(component, own),
            _component_percent(component, helsinki),
        )
        for component in COMPONENTS.values()
    ]
    ages = [
        ProfileRow(
            label,
            _percent(getattr(own, field), own.residents) if own else None,
            _percent(getattr(helsinki, field), helsinki.residents) if helsinki else None,
        )
        for field, label in AGE_BANDS
    ]
    part_rows = []
    for part in parts:
        stats = statistics.get(part.pk)
        participants = value(Metric.BuiltIn.REACH_PARTICIPANTS, year, part)
        residents = stats.residents if stats else None
        part_rows.append(
            PartReach(
                part,
                residents,
                value(Metric.BuiltIn.REACH_ACTIVITIES, year, part),
                participants,
                float(participants) * 1000 / float(residents) if residents else None,
            )
        )
    # The area and its sub-districts by id, so that the (area, date) index finds the year's rows.
    inside = [area.pk, *(part.pk for part in parts)]
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    heard = Signal.objects.filter(area__in=inside, date__range=(first, last))
    themes = list(
        InequalityTheme.objects.filter(signals__in=heard)
        .annotate(heard=Count("signals"))
        .order_by("-heard", "position")
        .values_list("name", "heard")[:5]
    )
    done = Activity.objects.filter(
        area__in=inside, date__range=(first, last), status=Activity.Status.DONE
    )
    units = list(
        Unit.objects.filter(pk__in=done.values("unit").distinct())
        .order_by("name")
        .values_list("name", flat=True)
    )
    links = Activity.partners.through.objects.filter(activity__in=done.values("pk"))
    partners = list(
        Partner.objects.filter(pk__in=links.values("partner").distinct())
        .order_by("name")
        .values_list("name", flat=True)
    )
    return AreaDashboard(
        area=area,
        year=year,
        over_time=over_time,
        statistics_year=own.year if own else None,
        profile=profile,
        ages=ages,
        parts=part_rows,
        themes=themes,
        units=units,
        partners=partners,
    )

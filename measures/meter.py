"""The inequality meter: the need index of each basic district (neighbourhoods/need.py) beside
Kalliola's reach there, and over the years the share of participants who came from the
highest-need third of the districts.

Reach is read from stored values only: the built-in yearly metrics of the organisation's whole
reach (all done activities, their participants and new participants), which the metric engine
keeps per basic district like any metric (see services.built_in_metrics_ensure). A district
without a stored value in a computed year had none: 0. Per 1,000 residents uses the district's
residents in the statistics year; a district without residents has no reach rate, not an error.

The districts are ranked by need and cut into thirds (the top third has the highest need: 12 of
34 districts, the rounding going to the top and bottom thirds). A gap is a district in the top
third by need and the bottom third by participants per 1,000 residents.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from measures.models import Metric, MetricValue
from neighbourhoods.models import Area
from neighbourhoods.need import DistrictNeed, NeedIndex, need_index

REACH = (
    Metric.BuiltIn.REACH_ACTIVITIES,
    Metric.BuiltIn.REACH_PARTICIPANTS,
    Metric.BuiltIn.REACH_NEW,
)
HIGH, MIDDLE, LOW = "high", "middle", "low"


@dataclass(frozen=True)
class DistrictReach:
    need: DistrictNeed
    third: str  # HIGH, MIDDLE or LOW need
    activities: Decimal
    participants: Decimal
    new_participants: Decimal
    participants_per_1000: float | None
    activities_per_1000: float | None
    reach_third: str | None = None  # by participants per 1,000 residents


@dataclass(frozen=True)
class YearShare:
    """In one year: participants (and new ones) in all basic districts, and the share of them
    in the highest-need third."""

    year: int
    participants: Decimal
    share_high: float | None
    new_participants: Decimal
    share_high_new: float | None

    @property
    def percent_high(self) -> float | None:
        return None if self.share_high is None else self.share_high * 100

    @property
    def percent_high_new(self) -> float | None:
        return None if self.share_high_new is None else self.share_high_new * 100


@dataclass(frozen=True)
class Meter:
    year: int
    index: NeedIndex
    districts: Sequence[DistrictReach]
    gaps: Sequence[DistrictReach]
    over_time: Sequence[YearShare]
    computed: bool  # whether the reach metrics have been computed


def reach_metrics() -> dict[str, Metric]:
    """The built-in reach metrics (of any strategy's meter goal; the newest of each kind)."""
    found: dict[str, Metric] = {}
    for metric in Metric.objects.filter(built_in__in=REACH).order_by("pk"):
        found[metric.built_in] = metric
    return found


def thirds(ranked: Sequence[object]) -> dict[int, str]:
    """Each position of a ranked list (highest first) in the top, middle or bottom third."""
    size = len(ranked)
    top = math.ceil(size / 3)
    bottom = size - math.ceil(size / 3)
    return {
        position: HIGH if position < top else LOW if position >= bottom else MIDDLE
        for position in range(size)
    }


def _per_1000(count: Decimal, residents: Decimal) -> float | None:
    return float(count) * 1000 / float(residents) if residents else None


def reach_values(
    metrics: Mapping[str, Metric], districts: Sequence[Area]
) -> dict[tuple[str, int, int], Decimal]:
    """The stored yearly values of the reach metrics in the districts: (kind, year, area id)."""
    versions = {m.current_version_id: kind for kind, m in metrics.items() if m.current_version_id}
    rows = MetricValue.objects.filter(area__in=districts, version__in=versions).values_list(
        "version", "period_start", "area", "value"
    )
    return {
        (versions[version], start.year, area): value or Decimal(0)
        for version, start, area, value in rows
    }


def years_with_reach(metrics: Mapping[str, Metric]) -> list[int]:
    participants = metrics.get(Metric.BuiltIn.REACH_PARTICIPANTS)
    if participants is None or participants.current_version_id is None:
        return []
    starts = (
        MetricValue.objects.filter(version=participants.current_version_id, area=None)
        .values_list("period_start", flat=True)
        .order_by("period_start")
    )
    return [start.year for start in starts]


def need_thirds(index: NeedIndex) -> dict[int, str]:
    """Each district with a need index (by area id) in the HIGH, MIDDLE or LOW third."""
    ranked = sorted(
        (d for d in index.districts if d.index is not None),
        key=lambda d: d.index or 0,
        reverse=True,
    )
    return {d.area.pk: third for d, third in zip(ranked, thirds(ranked).values(), strict=True)}


def meter(index: NeedIndex, year: int) -> Meter:
    """The meter for a year of activities, with the need of the index's statistics year."""
    metrics = reach_metrics()
    need_third = need_thirds(index)
    areas = [d.area for d in index.districts]
    values = reach_values(metrics, areas)

    def value(kind: str, year: int, area: Area) -> Decimal:
        return values.get((kind, year, area.pk), Decimal(0))

    rows = []
    for need in index.districts:
        participants = value(Metric.BuiltIn.REACH_PARTICIPANTS, year, need.area)
        activities = value(Metric.BuiltIn.REACH_ACTIVITIES, year, need.area)
        rows.append(
            DistrictReach(
                need=need,
                third=need_third.get(need.area.pk, MIDDLE),
                activities=activities,
                participants=participants,
                new_participants=value(Metric.BuiltIn.REACH_NEW, year, need.area),
                participants_per_1000=_per_1000(participants, need.residents),
                activities_per_1000=_per_1000(activities, need.residents),
            )
        )
    by_reach = sorted(
        (row for row in rows if row.participants_per_1000 is not None),
        key=lambda row: row.participants_per_1000 or 0,
        reverse=True,
    )
    reach_third = {
        row.need.area.pk: third
        for row, third in zip(by_reach, thirds(by_reach).values(), strict=True)
    }
    rows = [replace(row, reach_third=reach_third.get(row.need.area.pk)) for row in rows]
    rows.sort(
        key=lambda row: row.need.index if row.need.index is not None else -math.inf, reverse=True
    )
    gaps = [row for row in rows if row.third == HIGH and row.reach_third == LOW]

    high = {pk for pk, third in need_third.items() if third == HIGH}
    totals: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    in_high: dict[tuple[str, int], Decimal] = defaultdict(Decimal)
    for (kind, value_year, area), amount in values.items():
        totals[kind, value_year] += amount
        if area in high:
            in_high[kind, value_year] += amount
    over_time = []
    for each in years_with_reach(metrics):
        p, n = Metric.BuiltIn.REACH_PARTICIPANTS, Metric.BuiltIn.REACH_NEW
        over_time.append(
            YearShare(
                year=each,
                participants=totals[p, each],
                share_high=_share(in_high[p, each], totals[p, each]),
                new_participants=totals[n, each],
                share_high_new=_share(in_high[n, each], totals[n, each]),
            )
        )
    reach = metrics.get(Metric.BuiltIn.REACH_PARTICIPANTS)
    computed = reach is not None and reach.computed_at is not None
    return Meter(year, index, rows, gaps, over_time, computed)


def _share(part: Decimal, whole: Decimal) -> float | None:
    return float(part / whole) if whole else None


def districts_in_third(third: str) -> list[Area] | None:
    """The basic districts in a third of the latest need index (HIGH, MIDDLE or LOW), or None
    without statistics."""
    index = need_index()
    if index is None:
        return None
    cut = need_thirds(index)
    return [d.area for d in index.districts if cut.get(d.area.pk) == third]


def default_year(metrics: Mapping[str, Metric], today: datetime.date) -> int:
    """The latest complete year with reach values, else last year."""
    complete = [year for year in years_with_reach(metrics) if year < today.year]
    return complete[-1] if complete else today.year - 1


# --- Drawing: the map and the need × reach chart, as SVG in the page (no map tiles) ---------

MAP_WIDTH = 600


@dataclass(frozen=True)
class Shape:
    row: DistrictReach
    path: str


def _rings(geometry: Mapping[str, object] | None) -> list[list[list[float]]]:
    if not geometry:
        return []
    coordinates = geometry.get("coordinates")
    if geometry.get("type") == "Polygon" and isinstance(coordinates, list):
        return list(coordinates)
    if geometry.get("type") == "MultiPolygon" and isinstance(coordinates, list):
        return [ring for polygon in coordinates for ring in polygon]
    return []


def map_shapes(rows: Sequence[DistrictReach]) -> tuple[list[Shape], int]:
    """Each district's boundary as an SVG path in a MAP_WIDTH-wide box, and the box's height.
    Longitude is shrunk by the cosine of the latitude, so Helsinki keeps its shape."""
    rings = {row.need.area.pk: _rings(row.need.area.boundary) for row in rows}
    points = [point for each in rings.values() for ring in each for point in ring]
    if not points:
        return [], 0
    west = min(p[0] for p in points)
    east = max(p[0] for p in points)
    south = min(p[1] for p in points)
    north = max(p[1] for p in points)
    shrink = math.cos(math.radians((north + south) / 2))
    scale = MAP_WIDTH / ((east - west) * shrink)
    height = round((north - south) * scale)
    shapes = []
    for row in rows:
        parts = []
        for ring in rings[row.need.area.pk]:
            coordinates = " ".join(
                f"{(lon - west) * shrink * scale:.1f},{(north - lat) * scale:.1f}"
                for lon, lat in ring
            )
            parts.append(f"M{coordinates}Z")
        if parts:
            shapes.append(Shape(row, " ".join(parts)))
    return shapes, height


# Coordinates are strings with a decimal point: a template would write a float the reader's
# way ("12,5" in Finnish), which SVG does not read.
@dataclass(frozen=True)
class Dot:
    row: DistrictReach
    x: str
    y: str


@dataclass(frozen=True)
class Scatter:
    dots: Sequence[Dot]
    width: int
    height: int
    x_ticks: Sequence[tuple[str, str]]
    y_ticks: Sequence[tuple[str, str]]
    zero_x: str


def scatter(rows: Sequence[DistrictReach], width: int = 600, height: int = 360) -> Scatter:
    """Need (x) against participants per 1,000 residents (y), every district a dot."""
    known = [
        row for row in rows if row.need.index is not None and row.participants_per_1000 is not None
    ]
    left, right, top, bottom = 48, 12, 12, 36
    if not known:
        return Scatter([], width, height, [], [], str(left))
    low = min(min(row.need.index or 0 for row in known), 0.0)
    high = max(max(row.need.index or 0 for row in known), 0.0)
    low, high = math.floor(low), math.ceil(high) or 1
    most = max(row.participants_per_1000 or 0 for row in known) or 1
    step = 10 ** math.floor(math.log10(most)) if most >= 1 else 1
    ceiling = math.ceil(most / step) * step

    def x(value: float) -> str:
        return f"{left + (value - low) / (high - low) * (width - left - right):.1f}"

    def y(value: float) -> str:
        return f"{top + (1 - value / ceiling) * (height - top - bottom):.1f}"

    dots = [Dot(row, x(row.need.index or 0), y(row.participants_per_1000 or 0)) for row in known]
    x_ticks = [(x(value), f"{value:+d}" if value else "0") for value in range(low, high + 1)]
    y_ticks = [(y(value), f"{value:g}") for value in (0, ceiling / 2, ceiling)]
    return Scatter(dots, width, height, x_ticks, y_ticks, x(0))

"""A metric's values over time as a line chart: the geometry measures/chart.html draws as SVG.

x is time, counted in days. The plot runs from the earliest day shown (the first period's start,
the baseline, the trajectory's start, a target) to the latest (the day after the last period
ends, the trajectory's end, a target):  x = left + (day − first) / (last − first) × plot width.
A period's value sits in the middle of its period. The baseline, the trajectory's two ends and
the targets sit on the days the caller gives; status.py runs its line from the start of the
baseline period to the last day of the target's year, so pass those days to draw the same line.

y is the value: a round number at the bottom (0, or below the lowest negative value) and at the
top (at or above the highest value), with 3–5 round ticks between them:
y = bottom − (value − low) / (high − low) × plot height, since SVG's y grows downwards.

Complete values are joined by a line, broken where a period has no data (None, never drawn
as 0); the incomplete current period is a marker of its own, off the line, since its value so
far is not a fall. The sparkline is the same mapping without axes, labels or markers.

Values stay Decimal; floats are used only for the geometry, rounded to one decimal. No text is
written into SVG here: the template writes every label, so Django escapes it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Context, Decimal
from itertools import pairwise

from django.utils import formats
from django.utils.translation import gettext as _

from measures.periods import period_end, period_label

Dated = tuple[datetime.date, Decimal]

CHAR_WIDTH = 7.0  # px per character of an 11 px label (the template's font-size), generously
LABEL_GAP = 8.0  # px between two period labels
WIDE = Context(prec=60)  # rounds any value to hundredths without running out of digits


@dataclass(frozen=True)
class Point:
    """One period's value; None is no data (a gap in the line), never zero."""

    start: datetime.date
    label: str
    value: Decimal | None
    complete: bool = True


@dataclass(frozen=True)
class ChartData:
    points: Sequence[Point]  # oldest first
    unit: str
    period: str  # a Period choice: how long each point's period is
    baseline: Dated | None = None
    trajectory: tuple[Dated, Dated] | None = None
    targets: Sequence[Dated] = ()


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    kind: str  # "value", "incomplete", "baseline" or "target": the template picks the shape
    text: str  # e.g. "2025 Q3: 6 367 hlö", the marker's tooltip


@dataclass(frozen=True)
class Tick:
    x: float  # where the label goes
    y: float
    label: str


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    sparkline: bool
    summary: str  # one or two plain sentences: the <desc> and the caption
    rows: tuple[Point, ...]  # the same numbers (label, value, complete), for a table
    empty: bool = True  # no value, baseline or target to draw: show the summary only
    left: float = 0
    right: float = 0
    top: float = 0
    bottom: float = 0
    zero: float = 0  # where the value 0 is: the horizontal axis
    lines: tuple[str, ...] = ()  # a path's d for each run of complete values without a gap
    trajectory: Segment | None = None
    markers: tuple[Marker, ...] = ()
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def kinds(self) -> frozenset[str]:
        """The kinds of marker drawn, for a legend."""
        return frozenset(m.kind for m in self.markers)


def chart(
    data: ChartData,
    *,
    width: int | None = None,
    height: int | None = None,
    sparkline: bool = False,
    status: str = "",
) -> Chart:
    """The chart of data, 640 × 240 by default, a 120 × 32 sparkline without axes or markers.
    status is the caller's verdict in words (e.g. "On track."), put first in the summary."""
    width, height = width or (120 if sparkline else 640), height or (32 if sparkline else 240)
    points = data.points
    empty = Chart(width, height, sparkline, _summary(data, status), tuple(points))
    dated = [d for d in (data.baseline, *(data.trajectory or ()), *data.targets) if d is not None]
    levels = [p.value for p in points if p.value is not None] + [v for _d, v in dated]
    if not levels:
        return empty

    ends = [period_end(p.start, data.period) + datetime.timedelta(days=1) for p in points]
    days = [p.start for p in points] + ends + [d for d, _v in dated]
    span = min(days), max(days)
    low, high, step = _scale(min(levels), max(levels))
    ticks = [low + step * i for i in range(int((high - low) / step) + 1)]
    widest = max((len(p.label) for p in points), default=0) * CHAR_WIDTH
    if sparkline:
        frame = _Frame(2, width - 2, 2, height - 2, *span, low, high)
    else:
        left = max(max(len(_number(t)) for t in ticks) * CHAR_WIDTH + 10, widest / 2 + 4)
        left = min(left, width / 3)  # a plot still, if a narrow chart cuts off long numbers
        right = width - max(8, widest / 2)
        frame = _Frame(round(left, 1), round(right, 1), 10, height - 24, *span, low, high)
    xs = [frame.x(p.start, (end - p.start).days / 2) for p, end in zip(points, ends, strict=True)]
    trajectory = None
    if data.trajectory:
        (day1, value1), (day2, value2) = data.trajectory
        trajectory = Segment(*frame.at(day1, value1), *frame.at(day2, value2))

    markers, x_ticks, y_ticks = [], [], []
    if not sparkline:
        markers, gaps = _markers(data, xs, frame), [b - a for a, b in pairwise(xs)]
        every = math.ceil((widest + LABEL_GAP) / max(min(gaps), 0.1)) if gaps else 1
        # Thinned from the latest period back, so the latest is always named.
        x_ticks = [
            Tick(x, frame.bottom + 16, p.label)
            for i, (p, x) in enumerate(zip(points, xs, strict=True))
            if (len(xs) - 1 - i) % every == 0
        ]
        y_ticks = [Tick(frame.left - 6, frame.y(t), _number(t)) for t in ticks]
    return replace(
        empty,
        empty=False,
        left=frame.left,
        right=frame.right,
        top=frame.top,
        bottom=frame.bottom,
        zero=frame.y(Decimal(0)),
        lines=_lines(points, xs, frame),
        trajectory=trajectory,
        markers=tuple(markers),
        x_ticks=tuple(x_ticks),
        y_ticks=tuple(y_ticks),
    )


@dataclass(frozen=True)
class _Frame:
    """The plot's edges in pixels, and the days and values they stand for."""

    left: float
    right: float
    top: float
    bottom: float
    first: datetime.date
    last: datetime.date
    low: Decimal
    high: Decimal

    def x(self, day: datetime.date, extra_days: float = 0) -> float:
        days = (day - self.first).days + extra_days
        span = max(1, (self.last - self.first).days)
        return round(self.left + days / span * (self.right - self.left), 1)

    def y(self, value: Decimal) -> float:
        share = float((value - self.low) / (self.high - self.low))
        return round(self.bottom - share * (self.bottom - self.top), 1)

    def at(self, day: datetime.date, value: Decimal) -> tuple[float, float]:
        return self.x(day), self.y(value)


def _markers(data: ChartData, xs: Sequence[float], frame: _Frame) -> list[Marker]:
    markers, unit = [], data.unit
    for point, x in zip(data.points, xs, strict=True):
        if point.value is not None:
            facts = {"period": point.label, "value": _with_unit(point.value, unit)}
            kind, text = "value", f"{point.label}: {facts['value']}"
            if not point.complete:
                kind, text = "incomplete", _("%(period)s: %(value)s (incomplete)") % facts
            markers.append(Marker(x, frame.y(point.value), kind, text))
    if data.baseline:
        day, value = data.baseline
        facts = {"period": period_label(day, data.period), "value": _with_unit(value, unit)}
        text = _("Baseline %(period)s: %(value)s") % facts
        markers.append(Marker(*frame.at(day, value), "baseline", text))
    for day, value in data.targets:
        facts = {"year": str(day.year), "value": _with_unit(value, unit)}
        text = _("Target for %(year)s: %(value)s") % facts
        markers.append(Marker(*frame.at(day, value), "target", text))
    return markers


def _lines(points: Sequence[Point], xs: Sequence[float], frame: _Frame) -> tuple[str, ...]:
    """A path's d for each run of two or more complete values (a lone one is only a marker)."""
    runs: list[list[str]] = [[]]
    for point, x in zip(points, xs, strict=True):
        if point.value is None or not point.complete:
            runs.append([])
        else:
            runs[-1].append(f"{_short(x)} {_short(frame.y(point.value))}")
    return tuple("M" + " L".join(run) for run in runs if len(run) > 1)


def _scale(lowest: Decimal, highest: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """Round axis ends and a round step (1, 2 or 5 times a power of ten), 2–4 steps apart,
    from 0 unless some value is negative."""
    low, high = min(lowest, Decimal(0)), max(highest, Decimal(0))
    if high == low:  # all zeros: still an axis that reads as one
        high = low + 1
    raw = (high - low) / 4
    for factor in (1, 2, 5, 10, 20, 50):
        step = Decimal(factor).scaleb(raw.adjusted())
        bottom = (low / step).to_integral_value(ROUND_FLOOR) * step
        top = (high / step).to_integral_value(ROUND_CEILING) * step
        if step >= raw and top - bottom <= 4 * step:
            return bottom, top, step
    raise AssertionError("a step of 50 × 10^k ≥ 10 × raw always fits")  # pragma: no cover


def _short(number: float) -> str:
    return f"{number:.1f}".removesuffix(".0")


def _number(value: Decimal) -> str:
    """Localised and grouped (6 367 in Finnish), with at most two decimals, like
    floatformat:"-2"."""
    rounded = value.quantize(Decimal("0.01"), context=WIDE).normalize(WIDE)
    places = len(f"{rounded:f}".partition(".")[2])
    return formats.number_format(rounded, places, force_grouping=True)


def _with_unit(value: Decimal, unit: str) -> str:
    """E.g. "6 367 hlö", kept on one line."""
    return f"{_number(value)}\xa0{unit}" if unit else _number(value)


def _summary(data: ChartData, status: str) -> str:
    # The verdict as a sentence of its own: "On track." before the facts.
    unit, sentences = data.unit, [f"{status.rstrip('.')}."] if status else []
    done = [p for p in data.points if p.complete and p.value is not None]
    latest = done[-1] if done else None
    after = latest.start if latest else data.points[-1].start if data.points else None
    targets = sorted(data.targets)
    target = next((t for t in targets if after is None or t[0].year >= after.year), None)
    target = target or (targets[-1] if targets else None)
    facts = {
        "value": _with_unit(latest.value or Decimal(0), unit) if latest else "",
        "period": latest.label if latest else "",
        "target": _with_unit(target[1], unit) if target else "",
        "year": target[0].year if target else "",
    }
    if latest and target:
        text = _("Latest complete value %(value)s in %(period)s; target %(target)s for %(year)s.")
    elif latest:
        text = _("Latest complete value %(value)s in %(period)s.")
    elif target:
        text = _("No complete value yet; target %(target)s for %(year)s.")
    else:
        text = _("No complete value yet.")
    sentences.append(text % facts)
    current = data.points[-1] if data.points else None
    if current and not current.complete and current.value is not None:
        sentences.append(
            _("%(period)s is incomplete: %(value)s so far.")
            % {"period": current.label, "value": _with_unit(current.value, unit)}
        )
    return " ".join(sentences)

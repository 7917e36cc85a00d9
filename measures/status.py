"""Is a metric on track? Its latest value against the straight line from baseline to target.

The line runs from the baseline value at the start of the baseline period to the target at the
end of the target's year. The latest complete period's value is compared with where the line is
at the end of that period:

- increase / decrease: the share of the expected change achieved so far. At least
  METRIC_ON_TRACK_SHARE (default 0.95) is on track, at least METRIC_AT_RISK_SHARE (0.8) at
  risk, less is off track. A value past the line counts as on track.
- keep: the distance from the target, as a share of the target; within 1 − on-track share
  (5 %) is on track, within 1 − at-risk share (20 %) at risk.

A target is a level (each period's value against the line) or a total for the year: then the
year's values so far add up to the year-to-date sum, compared with the target's share for the
part of the year that has passed (by the end of the latest complete period).

A metric of a strategy is judged within that strategy's years: a later value is shown but not
judged against the strategy's targets, and once the last year is over, the assessment is the
final result, the last year's against the final target. Periods that end before the metric's
data begin (its "data from" day, or the first logged activity) have no data, not a zero.

A metric without a target is "no target yet"; without a baseline the first computed value is
the baseline; without a value for a complete period it has "no data yet".
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from measures.models import Metric
from measures.periods import period_end


class Status(models.TextChoices):
    ON_TRACK = "on_track", _("On track")
    AT_RISK = "at_risk", _("At risk")
    OFF_TRACK = "off_track", _("Off track")
    NO_TARGET = "no_target", _("No target yet")
    NO_DATA = "no_data", _("No data yet")


# After the strategy's last year, its final result.
FINAL_LABELS = {
    Status.ON_TRACK: _("Target reached"),
    Status.AT_RISK: _("Nearly reached"),
    Status.OFF_TRACK: _("Not reached"),
}


@dataclass(frozen=True)
class Window:
    """What a metric is judged within: its strategy's years, and the day its data begin."""

    first_year: int | None = None
    last_year: int | None = None
    data_from: datetime.date | None = None

    def has_data(self, start: datetime.date, period: str) -> bool:
        """Whether the period starting on this day lies (at least partly) after data began."""
        return self.data_from is None or period_end(start, period) >= self.data_from

    def judges(self, year: int) -> bool:
        first, last = self.first_year, self.last_year
        return (first is None or year >= first) and (last is None or year <= last)

    def is_over(self, today: datetime.date) -> bool:
        return self.last_year is not None and today > datetime.date(self.last_year, 12, 31)


@dataclass(frozen=True)
class Assessment:
    status: Status
    value: Decimal | None = None  # the period's value, or the year-to-date sum for a total
    expected: Decimal | None = None  # where the line is, or the target's share of the year
    period_start: datetime.date | None = None
    target: Decimal | None = None
    target_year: int | None = None
    final: bool = False  # the strategy's years are over: its final result
    year_total: bool = False

    @property
    def label(self) -> str:
        """The status in words; a final result is reached or not, no longer on track."""
        if self.final and self.status in FINAL_LABELS:
            return str(FINAL_LABELS[self.status])
        return str(self.status.label)


def without_early_values(
    values: Sequence[tuple[datetime.date, Decimal | None]], period: str, window: Window
) -> list[tuple[datetime.date, Decimal | None]]:
    """The values, with those of periods before the data began as no data (None)."""
    return [(s, v if window.has_data(s, period) else None) for s, v in values]


def assess(
    metric: Metric,
    values: Sequence[tuple[datetime.date, Decimal | None]],
    targets: dict[int, Decimal],
    today: datetime.date,
    window: Window | None = None,
) -> Assessment:
    """The status of a metric from its all-areas values (period start, value), oldest first."""
    window = window or Window()
    targets = {year: value for year, value in targets.items() if window.judges(year)}
    if not targets:
        return Assessment(Status.NO_TARGET)
    period = metric.version.period
    values = without_early_values(values, period, window)
    complete = [
        (s, v)
        for s, v in values
        if v is not None and period_end(s, period) < today and window.judges(s.year)
    ]
    final = window.is_over(today)
    if not complete:
        return Assessment(Status.NO_DATA, final=final)
    start, value = complete[-1]
    if metric.target_kind == Metric.TargetKind.YEAR_TOTAL:
        return _assess_total(metric, complete, targets, final)
    if metric.baseline_value is not None and metric.baseline_period is not None:
        base_day, base = metric.baseline_period, metric.baseline_value
    else:
        base_day, base = complete[0][0], complete[0][1] or Decimal(0)
    year = min((y for y in targets if y >= start.year), default=max(targets))
    target = targets[year]
    end = datetime.date(year, 12, 31)
    expected = on_line(base_day, base, end, target, period_end(start, period))
    status = _judge(metric.direction, base, expected, value, target)
    return Assessment(status, value, expected, start, target, year, final)


def _assess_total(
    metric: Metric,
    complete: Sequence[tuple[datetime.date, Decimal | None]],
    targets: dict[int, Decimal],
    final: bool,
) -> Assessment:
    """A total for the year: the year's complete periods so far against the target's share of
    the part of the year they cover."""
    start, _value = complete[-1]
    year = start.year
    if year not in targets:
        return Assessment(Status.NO_TARGET, period_start=start, final=final, year_total=True)
    target = targets[year]
    so_far = sum((v for s, v in complete if s.year == year and v is not None), Decimal(0))
    first, covered_to = datetime.date(year, 1, 1), period_end(start, metric.version.period)
    share = Decimal((covered_to - first).days + 1) / Decimal(
        (datetime.date(year, 12, 31) - first).days + 1
    )
    expected = target * share
    status = _judge(metric.direction, Decimal(0), expected, so_far, expected)
    return Assessment(status, so_far, expected, start, target, year, final, year_total=True)


def on_line(
    start: datetime.date, base: Decimal, end: datetime.date, target: Decimal, day: datetime.date
) -> Decimal:
    """Where the straight line from (start, base) to (end, target) is on day."""
    if day >= end or end <= start:
        return target
    if day <= start:
        return base
    share = Decimal((day - start).days) / Decimal((end - start).days)
    return base + (target - base) * share


def _judge(
    direction: str, base: Decimal, expected: Decimal, value: Decimal, target: Decimal
) -> Status:
    on_track = Decimal(str(settings.METRIC_ON_TRACK_SHARE))
    at_risk = Decimal(str(settings.METRIC_AT_RISK_SHARE))
    if direction == Metric.Direction.KEEP:
        scale = abs(target) or Decimal(1)
        distance = abs(value - target) / scale
        if distance <= 1 - on_track:
            return Status.ON_TRACK
        return Status.AT_RISK if distance <= 1 - at_risk else Status.OFF_TRACK
    sign = 1 if direction == Metric.Direction.INCREASE else -1
    wanted = (expected - base) * sign
    achieved = (value - base) * sign
    if wanted <= 0:
        # No change expected yet: holding the baseline is on track.
        return Status.ON_TRACK if achieved >= wanted else Status.OFF_TRACK
    share = achieved / wanted
    if share >= on_track:
        return Status.ON_TRACK
    return Status.AT_RISK if share >= at_risk else Status.OFF_TRACK

"""Is a metric on track? Its latest value against the straight line from baseline to target.

The line runs from the baseline value at the start of the baseline period to the target at the
end of the target's year. The latest complete period's value is compared with where the line is
at the end of that period:

- increase / decrease: the share of the expected change achieved so far. At least
  METRIC_ON_TRACK_SHARE (default 0.95) is on track, at least METRIC_AT_RISK_SHARE (0.8) at
  risk, less is off track. A value past the line counts as on track.
- keep: the distance from the target, as a share of the target; within 1 − on-track share
  (5 %) is on track, within 1 − at-risk share (20 %) at risk.

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


@dataclass(frozen=True)
class Assessment:
    status: Status
    value: Decimal | None = None
    expected: Decimal | None = None
    period_start: datetime.date | None = None


def assess(
    metric: Metric,
    values: Sequence[tuple[datetime.date, Decimal | None]],
    targets: dict[int, Decimal],
    today: datetime.date,
) -> Assessment:
    """The status of a metric from its all-areas values (period start, value), oldest first."""
    if not targets:
        return Assessment(Status.NO_TARGET)
    period = metric.version.period
    complete = [(s, v) for s, v in values if v is not None and period_end(s, period) < today]
    if not complete:
        return Assessment(Status.NO_DATA)
    start, value = complete[-1]
    if metric.baseline_value is not None and metric.baseline_period is not None:
        base_day, base = metric.baseline_period, metric.baseline_value
    else:
        base_day, base = complete[0][0], complete[0][1] or Decimal(0)
    year = min((y for y in targets if y >= start.year), default=max(targets))
    target = targets[year]
    end = datetime.date(year, 12, 31)
    expected = _on_line(base_day, base, end, target, period_end(start, period))
    status = _judge(metric.direction, base, expected, value, target)
    return Assessment(status, value, expected, start)


def _on_line(
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

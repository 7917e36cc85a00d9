"""A few demo metrics, so that the quick start's metric pages have something to show.

Defined through the same service as an admin's definitions; their values are computed after
the demo data's transaction commits. Their names end in "(demo)".

Most have a baseline from the year before the strategy and a target for each of the strategy's
years, on a straight line from the baseline to the last year's target; two have no target yet,
as happens to metrics agreed along the way. The numbers fit the demo history's growth (see
VOLUME_BY_YEAR in demo_content): judged on the strategy's last year, the participants and the new
participants reached by outreach are on track, the survey's recognition is at risk and the young
participants are off track, since a real strategy's metrics rarely all go to plan. Baselines and
targets of counts are in proportion to the demo's size (``scale``), so a smaller or larger demo
tells the same story.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from goals.models import Goal, Strategy
from measures import services
from measures.models import Measurement, Metric, Period
from neighbourhoods.models import ActivityType

OUTREACH = "Jalkautuva työ"
SURVEY_SOURCE = "Asukaskysely (demo)"
# The resident survey's recognition (%), by year counted from the strategy's first year (0):
# it grew, but not quite as fast as the strategy aimed.
SURVEY_RESULTS = {0: Decimal(38), 1: Decimal(45), 2: Decimal(56)}


@dataclass(frozen=True)
class Aim:
    """A baseline (the level of the year before the strategy) and the strategy's last year's
    target, for a demo of the default size."""

    baseline: Decimal
    target: Decimal
    counts: bool = True  # a count grows with the demo's size; a share of residents does not


def create_demo_metrics(user: User, *, scale: float = 1.0) -> int:
    """Define the demo metrics, or bring existing ones up to date; how many there are."""
    strategy = Strategy.objects.filter(status=Strategy.Status.ACTIVE).first()
    if strategy is None:
        return 0
    goals = {goal.number: goal for goal in Goal.objects.filter(strategy=strategy)}
    outreach = ActivityType.objects.filter(name_fi=OUTREACH).values_list("pk", flat=True)
    years = range(strategy.start_year, strategy.end_year + 1)

    def define(
        name: str,
        goal: int,
        kind: str,
        period: str,
        definition: dict[str, Any],
        unit: str,
        aim: Aim | None = None,
        **data: Any,
    ) -> Metric:
        existing = Metric.objects.filter(name=name).first()
        targets: dict[int, Decimal | None] = {}
        if aim is not None:
            factor = Decimal(str(scale)) if aim.counts else Decimal(1)
            baseline = (aim.baseline * factor).quantize(Decimal(1))
            target = (aim.target * factor).quantize(Decimal(1))
            # The years' targets step from the baseline to the last year's target.
            targets = {
                year: (baseline + (target - baseline) * (n + 1) / len(years)).quantize(Decimal(1))
                for n, year in enumerate(years)
            }
            data |= {
                "baseline_value": baseline,
                "baseline_period": datetime.date(strategy.start_year - 1, 1, 1),
            }
        metric, _ = services.metric_save(
            user=user,
            metric=existing,
            data={"name": name, "kind": kind, "goal": goals[goal], "unit": unit, **data},
            period=period,
            definition=definition,
            targets=targets,
        )
        return metric

    new = define(
        "Uudet osallistujat jalkautuvassa työssä (demo)", 2, Metric.Kind.ACTIVITY,
        Period.QUARTER,
        {"aggregation": "new_participants", "types": list(outreach), "status": "done"},
        "hlö", Aim(Decimal(130), Decimal(280)), owner=user,
    )  # fmt: skip
    everyone = define(
        "Osallistujat (demo)", 1, Metric.Kind.ACTIVITY, Period.QUARTER,
        {"aggregation": "participants", "status": "done"}, "hlö",
        Aim(Decimal(3800), Decimal(5500)),
    )  # fmt: skip
    define(
        "Uusien osuus osallistujista (demo)", 1, Metric.Kind.RATIO, Period.QUARTER,
        {"numerator": new.pk, "denominator": everyone.pk, "percent": True}, "%",
    )  # fmt: skip
    define(
        "Nuoret osallistujat (demo)", 3, Metric.Kind.ACTIVITY, Period.MONTH,
        {"aggregation": "participants", "age_bands": ["participants_13_17"], "status": "done"},
        "hlö", Aim(Decimal(300), Decimal(800)),
    )  # fmt: skip
    define(
        "Kuullut signaalit (demo)", 3, Metric.Kind.ACTIVITY, Period.QUARTER,
        {"aggregation": "signals"}, "kpl",
    )  # fmt: skip
    survey = define(
        "Tunnettuus asukaskyselyssä (demo)", 1, Metric.Kind.MANUAL, Period.YEAR, {}, "%",
        Aim(Decimal(35), Decimal(60), counts=False),
    )  # fmt: skip
    this_year = timezone.localdate().year
    for offset, value in SURVEY_RESULTS.items():
        year = strategy.start_year + offset
        if year < this_year:  # a year's result is in once the year is over
            Measurement.objects.update_or_create(
                metric=survey,
                period_start=datetime.date(year, 1, 1),
                defaults={"value": value, "source": SURVEY_SOURCE, "entered_by": user},
            )
    return Metric.objects.filter(name__endswith="(demo)").count()

"""A few demo metrics, so that the quick start's metric pages have something to show.

Defined through the same service as an admin's definitions; their values are computed after
the demo data's transaction commits. Their names end in "(demo)".
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from goals.models import Goal, Strategy
from measures import services
from measures.models import Measurement, Metric, Period
from neighbourhoods.models import ActivityType

OUTREACH = "Jalkautuva työ"


def create_demo_metrics(user: User) -> int:
    """Define the demo metrics unless they exist; how many were defined."""
    if Metric.objects.filter(name__endswith="(demo)").exists():
        return 0
    strategy = Strategy.objects.filter(status=Strategy.Status.ACTIVE).first()
    if strategy is None:
        return 0
    goals = {goal.number: goal for goal in Goal.objects.filter(strategy=strategy)}
    outreach = ActivityType.objects.filter(name_fi=OUTREACH).values_list("pk", flat=True)
    year = strategy.end_year
    this_quarter = timezone.localdate().replace(day=1)

    def define(
        name: str,
        goal: int,
        kind: str,
        period: str,
        definition: dict[str, Any],
        unit: str,
        target: int | None = None,
        **data: Any,
    ) -> Metric:
        metric, _ = services.metric_save(
            user=user,
            metric=None,
            data={"name": name, "kind": kind, "goal": goals[goal], "unit": unit, **data},
            period=period,
            definition=definition,
            targets={year: Decimal(target)} if target is not None else {},
        )
        return metric

    new = define(
        "Uudet osallistujat jalkautuvassa työssä (demo)", 2, Metric.Kind.ACTIVITY,
        Period.QUARTER,
        {"aggregation": "new_participants", "types": list(outreach), "status": "done"},
        "hlö", target=250, owner=user,
    )  # fmt: skip
    everyone = define(
        "Osallistujat (demo)", 1, Metric.Kind.ACTIVITY, Period.QUARTER,
        {"aggregation": "participants", "status": "done"}, "hlö", target=4000,
    )  # fmt: skip
    define(
        "Uusien osuus osallistujista (demo)", 1, Metric.Kind.RATIO, Period.QUARTER,
        {"numerator": new.pk, "denominator": everyone.pk, "percent": True}, "%",
    )  # fmt: skip
    define(
        "Nuoret osallistujat (demo)", 3, Metric.Kind.ACTIVITY, Period.MONTH,
        {"aggregation": "participants", "age_bands": ["participants_13_17"], "status": "done"},
        "hlö", target=400,
    )  # fmt: skip
    define(
        "Kuullut signaalit (demo)", 3, Metric.Kind.ACTIVITY, Period.QUARTER,
        {"aggregation": "signals"}, "kpl",
    )  # fmt: skip
    survey = define(
        "Tunnettuus asukaskyselyssä (demo)", 4, Metric.Kind.MANUAL, Period.YEAR, {}, "%",
        target=60, baseline_value=Decimal(35),
        baseline_period=datetime.date(strategy.start_year, 1, 1),
    )  # fmt: skip
    if this_quarter.year > strategy.start_year:
        Measurement.objects.create(
            metric=survey,
            period_start=datetime.date(strategy.start_year, 1, 1),
            value=Decimal(38),
            source="Asukaskysely (demo)",
            entered_by=user,
        )
    return 6

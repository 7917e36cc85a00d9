"""On track, at risk or off track: the latest value against the baseline-to-target line."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from measures.models import Metric, Period
from measures.status import Status, assess
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2024, 7, 15)


def metric(direction: str = Metric.Direction.INCREASE, baseline: int | None = 100) -> Metric:
    return MetricFactory.create(
        period=Period.YEAR,
        direction=direction,
        baseline_value=baseline,
        baseline_period=datetime.date(2023, 1, 1) if baseline is not None else None,
    )


def year(y: int) -> datetime.date:
    return datetime.date(y, 1, 1)


# Baseline 100 at 1.1.2023, target 400 at 31.12.2025: the line is at 200 on 31.12.2023.
@pytest.mark.parametrize(
    ("value", "status"),
    [
        (250, Status.ON_TRACK),  # past the line
        (200, Status.ON_TRACK),  # on the line
        (196, Status.ON_TRACK),  # 96 % of the expected change
        (190, Status.AT_RISK),  # 90 %
        (180, Status.AT_RISK),  # 80 %
        (170, Status.OFF_TRACK),  # 70 %
        (90, Status.OFF_TRACK),  # went the wrong way
    ],
)
def test_increase(value, status):
    result = assess(metric(), [(year(2023), Decimal(value))], {2025: Decimal(400)}, TODAY)

    assert result.status == status
    assert result.expected == pytest.approx(Decimal(200), abs=Decimal("0.5"))


@pytest.mark.parametrize(
    ("value", "status"), [(40, Status.ON_TRACK), (74, Status.AT_RISK), (95, Status.OFF_TRACK)]
)
def test_decrease(value, status):
    # Baseline 100, target 10: the line is at 70 at the end of 2023.
    result = assess(
        metric(Metric.Direction.DECREASE),
        [(year(2023), Decimal(value))],
        {2025: Decimal(10)},
        TODAY,
    )

    assert result.status == status


@pytest.mark.parametrize(
    ("value", "status"), [(102, Status.ON_TRACK), (88, Status.AT_RISK), (70, Status.OFF_TRACK)]
)
def test_keep(value, status):
    result = assess(
        metric(Metric.Direction.KEEP), [(year(2023), Decimal(value))], {2025: Decimal(100)}, TODAY
    )

    assert result.status == status


def test_without_a_target_there_is_no_status():
    assert assess(metric(), [(year(2023), Decimal(5))], {}, TODAY).status == Status.NO_TARGET


def test_the_current_incomplete_period_is_not_judged():
    # 2024 is not over on 15.7.2024: the latest complete year is 2023.
    values = [(year(2023), Decimal(200)), (year(2024), Decimal(1))]

    result = assess(metric(), values, {2025: Decimal(400)}, TODAY)

    assert result.status == Status.ON_TRACK
    assert result.period_start == year(2023)


def test_no_complete_value_is_no_data():
    result = assess(metric(), [(year(2024), Decimal(1))], {2025: Decimal(400)}, TODAY)

    assert result.status == Status.NO_DATA


def test_no_data_periods_are_skipped():
    values = [(year(2022), Decimal(150)), (year(2023), None)]

    result = assess(metric(), values, {2025: Decimal(400)}, TODAY)

    assert result.period_start == year(2022)


def test_without_a_baseline_the_first_value_is_the_baseline():
    # The line from 100 (1.1.2022) to 400 (31.12.2025) is at 250 at the end of 2023.
    values = [(year(2022), Decimal(100)), (year(2023), Decimal(250))]

    result = assess(metric(baseline=None), values, {2025: Decimal(400)}, TODAY)

    assert result.status == Status.ON_TRACK


def test_thresholds_are_configurable(settings):
    settings.METRIC_ON_TRACK_SHARE = 0.5
    settings.METRIC_AT_RISK_SHARE = 0.2

    result = assess(metric(), [(year(2023), Decimal(160))], {2025: Decimal(400)}, TODAY)

    assert result.status == Status.ON_TRACK

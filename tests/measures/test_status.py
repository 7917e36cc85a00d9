"""On track, at risk or off track: the latest value against the baseline-to-target line."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from measures.models import Metric, Period
from measures.status import Status, Window, assess, without_early_values
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


# --- Honest numbers: totals for the year, the strategy's years, no data before the log -------

STRATEGY = Window(first_year=2023, last_year=2025)


def quarter(y: int, q: int) -> datetime.date:
    return datetime.date(y, 3 * q - 2, 1)


def quarterly_total(target_kind: str = Metric.TargetKind.YEAR_TOTAL) -> Metric:
    return MetricFactory.create(period=Period.QUARTER, target_kind=target_kind)


def test_a_yearly_total_is_judged_on_the_year_so_far_not_on_one_quarter():
    # 4,000 participants in 2025; by the end of Q3, 3/4 of the year has passed (by days):
    # 3,000 is expected, and three quarters of 1,000 each are exactly that.
    values = [(quarter(2025, q), Decimal(1000)) for q in (1, 2, 3)]
    today = datetime.date(2025, 10, 15)

    result = assess(quarterly_total(), values, {2025: Decimal(4000)}, today, STRATEGY)

    assert result.year_total
    assert result.value == 3000
    assert result.expected == pytest.approx(Decimal(4000) * 273 / 365, abs=1)
    assert result.status == Status.ON_TRACK


def test_a_yearly_total_compared_as_a_level_would_read_a_good_year_as_off_track():
    """The bug this guards against: a quarter's 1,000 against a year's 4,000."""
    values = [(quarter(2025, q), Decimal(1000)) for q in (1, 2, 3)]
    today = datetime.date(2025, 10, 15)

    as_level = assess(
        quarterly_total(Metric.TargetKind.LEVEL), values, {2025: Decimal(4000)}, today, STRATEGY
    )
    as_total = assess(quarterly_total(), values, {2025: Decimal(4000)}, today, STRATEGY)

    assert as_level.status == Status.OFF_TRACK
    assert as_total.status == Status.ON_TRACK


def test_a_yearly_total_behind_its_share_of_the_year():
    values = [(quarter(2025, 1), Decimal(500)), (quarter(2025, 2), Decimal(500))]
    today = datetime.date(2025, 7, 2)

    result = assess(quarterly_total(), values, {2025: Decimal(4000)}, today, STRATEGY)

    assert result.value == 1000  # of about 1,984 expected by 30 June
    assert result.status == Status.OFF_TRACK


def test_after_the_strategy_the_final_result_is_the_last_years_against_the_final_target():
    values = [(year(y), Decimal(v)) for y, v in ((2023, 200), (2024, 300), (2025, 390), (2026, 50))]
    today = datetime.date(2026, 12, 5)

    result = assess(metric(), values, {2025: Decimal(400)}, today, STRATEGY)

    # 2026's 50 is shown elsewhere but not judged against the 2023–2025 strategy's target.
    assert result.final
    assert result.period_start == year(2025)
    assert result.value == 390
    assert result.target == 400
    assert result.status == Status.ON_TRACK


def test_a_target_outside_the_strategys_years_is_not_its_target():
    values = [(year(2026), Decimal(1))]

    result = assess(metric(), values, {2026: Decimal(400)}, datetime.date(2027, 2, 1), STRATEGY)

    assert result.status == Status.NO_TARGET


def test_periods_before_the_data_began_are_no_data_not_zero():
    window = Window(2023, 2025, data_from=datetime.date(2024, 5, 10))
    values = [(quarter(2024, q), Decimal(0)) for q in (1,)] + [(quarter(2024, 2), Decimal(7))]

    kept = without_early_values(values, Period.QUARTER, window)

    assert kept == [(quarter(2024, 1), None), (quarter(2024, 2), Decimal(7))]


def test_the_first_value_after_the_data_began_is_the_baseline_when_none_is_given():
    window = Window(2023, 2025, data_from=datetime.date(2024, 1, 1))
    values = [(year(2023), Decimal(0)), (year(2024), Decimal(300))]

    result = assess(
        metric(baseline=None), values, {2025: Decimal(400)}, datetime.date(2025, 3, 1), window
    )

    # 2023 has no data, so the line starts at 2024's 300 and 2024 shows no progress along it
    # (off track). Read as "up from 0 in 2023", the same numbers would look on track.
    assert result.period_start == year(2024)
    assert result.status == Status.OFF_TRACK
    as_if_zero = assess(
        metric(baseline=None), values, {2025: Decimal(400)}, datetime.date(2025, 3, 1), STRATEGY
    )
    assert as_if_zero.status == Status.ON_TRACK

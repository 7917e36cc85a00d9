"""The metric pages tell no more than the numbers do: no data before the log began, a yearly
total judged on the year so far, and a strategy's final result once its years are over."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from measures import services
from measures.models import Metric, MetricTarget, Period
from tests.factories.activity import ActivityFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)):
        yield


def value_rows(html: str) -> dict[str, str]:
    """The metric page's table of values: period label → the value cell's text."""
    table = html[html.index("values--periods") :]
    table = table[: table.index("</table>")]
    labels = [label.strip() for label in re.findall(r'<th scope="col">([^<]+)', table)[1:]]
    shown = table[table.index("values__shown") :]
    cells = re.findall(r"<td>(.*?)</td>", shown[: shown.index("</tr>")])
    return dict(zip(labels, (re.sub(r"<[^>]+>", "", c).strip() for c in cells), strict=True))


def test_quarters_before_the_first_logged_activity_show_no_data_not_zero(
    strategy, leadership_user, client_for
):
    ActivityFactory.create(date=datetime.date(2024, 5, 10))
    metric = MetricFactory.create(goal=strategy.goals.get(number=2), period=Period.QUARTER)
    services.recompute_metric(metric.pk)

    html = client_for(leadership_user).get(reverse("measures:metric", args=[metric.pk])).text

    rows = value_rows(html)
    assert rows["2023 Q1"] == rows["2024 Q1"] == "ei tietoa"
    assert rows["2024 Q2"] == "1"
    assert rows["2024 Q3"] == "0"  # after the log began, an empty quarter is a real zero


def test_an_admins_data_from_day_moves_the_start(strategy, leadership_user, client_for):
    ActivityFactory.create(date=datetime.date(2023, 2, 1))
    metric = MetricFactory.create(
        goal=strategy.goals.get(number=2),
        period=Period.QUARTER,
        data_from=datetime.date(2025, 1, 1),
    )
    services.recompute_metric(metric.pk)

    html = client_for(leadership_user).get(reverse("measures:metric", args=[metric.pk])).text

    assert value_rows(html)["2024 Q4"] == "ei tietoa"
    assert value_rows(html)["2025 Q1"] == "0"


def test_after_the_strategy_the_metric_shows_its_final_result(
    strategy, leadership_user, client_for
):
    for day in (datetime.date(2025, 3, 1), datetime.date(2025, 9, 1), datetime.date(2026, 3, 1)):
        ActivityFactory.create(date=day)
    metric = MetricFactory.create(
        goal=strategy.goals.get(number=2),
        period=Period.QUARTER,
        target_kind=Metric.TargetKind.YEAR_TOTAL,
    )
    MetricTarget.objects.create(metric=metric, year=2025, value=2)
    services.recompute_metric(metric.pk)

    html = client_for(leadership_user).get(reverse("measures:metric", args=[metric.pk])).text

    # The 2025 quarters add up to the year's target: judged as a total, not quarter by quarter,
    # and 2026's activity is shown but not judged against the 2023–2025 strategy's target.
    assert "Lopputulos 2025: 2, tavoite 2" in html
    assert "Tavoite saavutettu" in html
    assert "Aikataulussa" not in html
    assert value_rows(html)["2026 Q1"] == "1"


def test_during_the_year_a_total_is_judged_on_the_year_so_far(
    strategy, leadership_user, client_for
):
    for day in (datetime.date(2026, 2, 1), datetime.date(2026, 5, 1)):
        ActivityFactory.create(date=day)
    goal = strategy.goals.get(number=2)
    goal.strategy.end_year = 2027
    goal.strategy.save()
    metric = MetricFactory.create(
        goal=goal, period=Period.QUARTER, target_kind=Metric.TargetKind.YEAR_TOTAL
    )
    MetricTarget.objects.create(metric=metric, year=2026, value=4)
    services.recompute_metric(metric.pk)

    html = client_for(leadership_user).get(reverse("measures:metric", args=[metric.pk])).text

    # By the end of Q3 (273 of 365 days), 3 of the year's 4 are expected; 2 is off track.
    assert "2026 tähän mennessä: 2 vuoden tavoitteesta 4 (odotettu tähän mennessä: 3,0)" in html
    assert "Jäljessä" in html

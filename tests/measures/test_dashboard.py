"""The progress overview: leadership's landing page, per goal how its metrics stand."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from measures import services
from measures.models import MetricTarget, Period, StalePeriod
from tests.factories.activity import ActivityFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)):
        yield


def goal_section(html: str, number: int) -> str:
    found = re.search(
        rf'(?s)<section class="goal-progress"[^>]*aria-labelledby="goal-{number}"[^>]*>'
        r"(.*?)</section>",
        html,
    )
    assert found, f"no section for goal {number}"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def metric_with_target(goal, target: int, name: str):
    metric = MetricFactory.create(goal=goal, period=Period.YEAR, name=name)
    MetricTarget.objects.create(metric=metric, year=2025, value=target)
    services.recompute_metric(metric.pk)
    return metric


def test_each_goal_counts_its_metrics_by_final_result(strategy, leadership_user, client_for):
    ActivityFactory.create_batch(3, date=datetime.date(2025, 4, 1))
    goal2 = strategy.goals.get(number=2)
    metric_with_target(goal2, 3, "Toiminnat")
    metric_with_target(goal2, 30, "Toiminnat, kunnianhimoinen")
    MetricFactory.create(goal=strategy.goals.get(number=3), name="Ilman tavoitetta")

    html = client_for(leadership_user).get(URL).text

    goal2_text = goal_section(html, 2)
    assert "Tavoite saavutettu 1" in goal2_text
    assert "Ei saavutettu 1" in goal2_text
    assert "Toiminnat, kunnianhimoinen" in goal2_text
    assert "Ei vielä tavoitearvoa 1" in goal_section(html, 3)
    assert "Ei mittareita tälle tavoitteelle vielä." in goal_section(html, 1)
    # Each metric with a sparkline that says in words what it shows.
    assert html.count('class="chart chart--sparkline"') == 3
    # The metric not yet computed has nothing to draw: its caption says so, without an image.
    assert html.count('role="img"') == 2


def test_leadership_lands_on_the_overview_and_staff_on_the_strategy(
    strategy, leadership_user, staff_user
):
    for user, landing in ((leadership_user, URL), (staff_user, reverse("goals:strategy"))):
        client = Client()
        response = client.post(
            reverse("login"),
            {"username": user.username, "password": "correct-horse-battery-staple"},
            follow=True,
        )
        assert response.redirect_chain[-1][0] == landing


def test_staff_read_the_overview_and_anonymous_visitors_do_not(strategy, staff_user, client_for):
    assert client_for(staff_user).get(URL).status_code == 200
    response = Client().get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_query_count_does_not_grow_with_metrics_or_activities(
    strategy, leadership_user, client_for, django_assert_num_queries
):
    goal = strategy.goals.get(number=2)
    metric_with_target(goal, 3, "Ensimmäinen")
    client = client_for(leadership_user)
    client.get(URL)
    with django_assert_num_queries(11) as few:
        client.get(URL)
    ActivityFactory.create_batch(30, date=datetime.date(2025, 4, 1))
    for number in (1, 3, 4):
        for n in range(3):
            metric_with_target(strategy.goals.get(number=number), 10, f"Mittari {number}.{n}")

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_the_strategy_houses_goal_cards_load_their_status_counts(
    strategy, staff_user, client_for, django_assert_num_queries
):
    ActivityFactory.create_batch(3, date=datetime.date(2025, 4, 1))
    metric_with_target(strategy.goals.get(number=2), 3, "Toiminnat")
    client = client_for(staff_user)

    house = client.get(reverse("goals:strategy")).text
    fragment_url = reverse("measures:goal_statuses")
    assert f'hx-get="{fragment_url}"' in house
    assert house.count('class="goal-pillar__status"') == 4

    with django_assert_num_queries(9):
        fragment = client.get(fragment_url).text
    cards = dict(
        re.findall(r'(?s)<p id="goal-status-(\d)"[^>]*hx-swap-oob="true">(.*?)</p>', fragment)
    )
    text = {n: " ".join(re.sub(r"<[^>]+>", " ", html).split()) for n, html in cards.items()}
    assert text["2"] == "Tavoite saavutettu: 1"
    assert text["4"] == "Ei mittareita vielä."


def test_a_goal_with_numbers_being_recomputed_polls_until_they_are_fresh(
    strategy, leadership_user, client_for
):
    ActivityFactory.create_batch(2, date=datetime.date(2025, 4, 1))
    metric = metric_with_target(strategy.goals.get(number=2), 3, "Toiminnat")
    client = client_for(leadership_user)
    section = reverse("measures:goal_progress", args=[2])

    StalePeriod.objects.create(metric=metric, period_start=None)
    html = client.get(URL).text
    polling = re.findall(r'<section class="goal-progress"[^>]*hx-trigger="every 3s"', html)
    assert len(polling) == 1  # goal 2's section only
    assert f'hx-get="{section}?' in polling[0]
    assert "Lasketaan uudelleen" in goal_section(html, 2)

    StalePeriod.objects.all().delete()
    fresh = client.get(section + "?start=2025&end=2025").text
    assert "hx-trigger" not in fresh
    assert "Laskettu" in fresh
    assert "Ei saavutettu 1" in " ".join(re.sub(r"<[^>]+>", " ", fresh).split())

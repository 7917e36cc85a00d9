"""Every goal's built-in metrics, its done activities and their participants: created when a
strategy is loaded and after migrating, computed like any metric, read by the dashboards as
the goal's volume and reach, never edited or deleted."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from measures import services
from measures.models import Metric, MetricTarget, Period
from neighbourhoods.models import AGE_BANDS, Activity, Area
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def loaded(strategy):
    """The strategy as the load_strategy command leaves it: with the built-in metrics."""
    call_command("load_strategy", verbosity=0)
    return strategy


def built_ins() -> list[tuple[int, str]]:
    return sorted(Metric.objects.exclude(built_in="").values_list("goal__number", "built_in"))


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# Each goal's activities and participants, and under goal 3 (INEQUALITY_METER_GOAL) the whole
# organisation's yearly reach, which the inequality meter reads.
EXPECTED = sorted(
    [(n, kind) for n in (1, 2, 3, 4) for kind in ("activities", "participants")]
    + [(3, "reach_activities"), (3, "reach_new"), (3, "reach_participants")]
)


def test_loading_a_strategy_gives_each_goal_its_built_in_metrics_once(loaded):
    expected = EXPECTED
    assert built_ins() == expected

    call_command("load_strategy", verbosity=0)
    call_command("migrate", verbosity=0)  # after migrating too: none is made twice

    assert built_ins() == expected


def test_migrating_gives_goals_loaded_before_them_their_built_in_metrics(strategy):
    assert built_ins() == []
    call_command("migrate", verbosity=0)
    assert built_ins() == EXPECTED


def test_the_overview_shows_each_goals_activities_and_participants_in_the_range_and_area(
    loaded, leadership_user, client_for
):
    goal2, goal3 = loaded.goals.get(number=2), loaded.goals.get(number=3)
    east = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, name_fi="Itälä")
    west = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, name_fi="Länsilä")
    for day, area, goals, people in (
        (datetime.date(2025, 2, 1), east, [goal2], 10),
        (datetime.date(2025, 5, 1), west, [goal2, goal3], 5),
        (datetime.date(2024, 5, 1), east, [goal2], 7),
    ):
        bands = dict.fromkeys(AGE_BANDS, 0) | {"participants_18_29": people}
        ActivityFactory.create(date=day, area=area, goals=goals, **bands)
    ActivityFactory.create(  # planned: not counted
        date=datetime.date(2025, 6, 1), area=east, goals=[goal2], status=Activity.Status.PLANNED
    )
    services.recompute_all()
    client = client_for(leadership_user)

    def reach(query: str, number: int) -> str:
        html = client.get(f"{reverse('measures:dashboard')}?{query}").text
        section = re.search(
            rf'(?s)aria-labelledby="goal-{number}".*?<p class="reach">(.*?)</p>', html
        )
        assert section, f"no reach for goal {number}"
        return text(section.group(1))

    assert reach("start=2025&end=2025", 2).startswith("Toiminnat: 2 · Osallistujat: 15")
    assert reach("start=2024&end=2025", 2).startswith("Toiminnat: 3 · Osallistujat: 22")
    assert reach(f"start=2025&end=2025&area={east.pk}", 2).startswith(
        "Toiminnat: 1 · Osallistujat: 10"
    )
    assert reach("start=2025-Q2&end=2025-Q2", 3).startswith("Toiminnat: 1 · Osallistujat: 5")
    assert reach("start=2025&end=2025", 1).startswith("Toiminnat: 0 · Osallistujat: 0")


def test_built_in_metrics_are_not_counted_among_the_goals_agreed_metrics(
    loaded, leadership_user, client_for
):
    metric = MetricFactory.create(goal=loaded.goals.get(number=2), period=Period.YEAR)
    MetricTarget.objects.create(metric=metric, year=2025, value=1)
    services.recompute_all()

    html = client_for(leadership_user).get(reverse("measures:dashboard")).text

    assert html.count('class="metric-summary"') == 1
    goal_page = client_for(leadership_user).get(reverse("measures:goal_dashboard", args=[2])).text
    assert goal_page.count('class="metric-panel"') == 1


def test_a_built_in_metric_cannot_be_edited_or_deleted(
    loaded, admin_role_user, client_for, admin_client
):
    metric = Metric.objects.get(goal__number=1, built_in=Metric.BuiltIn.ACTIVITIES)
    client = client_for(admin_role_user)

    for name in ("measures:metric_update", "measures:metric_delete"):
        response = client.post(reverse(name, args=[metric.pk]), {"name": "Muu"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("measures:metric", args=[metric.pk])
        assert "Sisäänrakennettua mittaria ei voi muokata eikä poistaa." in response.text
    page = client.get(reverse("measures:metric", args=[metric.pk])).text
    assert "Tavoite 1: toiminnat" in page
    assert reverse("measures:metric_delete", args=[metric.pk]) not in page

    admin_delete = reverse("admin:measures_metric_delete", args=[metric.pk])
    assert admin_client.post(admin_delete, {"post": "yes"}).status_code == 403
    assert Metric.objects.filter(pk=metric.pk, name=metric.name).exists()

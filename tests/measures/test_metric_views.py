"""Metric pages: admins define metrics, the preview computes without saving, everyone reads."""

from __future__ import annotations

import datetime
import random
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from goals.models import Strategy
from measures import services
from measures.models import Measurement, Metric, MetricValue, MetricVersion, Period, StalePeriod
from measures.periods import period_label, period_start
from neighbourhoods.models import Activity
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 9, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def form_data(strategy: Strategy) -> dict[str, Any]:
    goal = strategy.goals.get(number=2)
    return {
        "name": "Uudet osallistujat jalkautuvassa työssä",
        "unit": "hlö",
        "kind": "activity",
        "goal": goal.pk,
        "direction": "increase",
        "period": "quarter",
        "aggregation": "activities",
        "status": "",
        "target_2025": "40",
    }


def bulk_activities(count: int, seed: int = 7) -> list[datetime.date]:
    """count activities on random days from 2023 to today, written in one go; their dates."""
    rng = random.Random(seed)  # noqa: S311 (test data)
    area, kind = AreaFactory.create(), ActivityTypeFactory.create()
    unit, user = UnitFactory.create(), UserFactory.create()
    first = datetime.date(2023, 1, 1)
    days = [
        first + datetime.timedelta(days=rng.randrange((TODAY - first).days + 1))
        for _ in range(count)
    ]
    Activity.objects.bulk_create(
        ActivityFactory.build(date=day, area=area, type=kind, unit=unit, created_by=user)
        for day in days
    )
    return days


def test_a_metric_created_after_1000_activities_shows_every_past_period(
    admin_role_user, client_for, form_data, django_capture_on_commit_callbacks
):
    days = bulk_activities(1000)
    client = client_for(admin_role_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("measures:metric_create"), form_data)

    metric = Metric.objects.get()
    assert response.status_code == 302
    page = client.get(reverse("measures:metric", args=[metric.pk]))
    shown = {row.label: row.value for row in page.context["rows"]}
    # An independent count: the quarters of the generated days.
    expected = Counter(
        period_label(period_start(day, Period.QUARTER), Period.QUARTER) for day in days
    )
    quarters = [f"{year} Q{q}" for year in (2023, 2024) for q in (1, 2, 3, 4)] + [
        "2025 Q1",
        "2025 Q2",
    ]
    assert list(shown) == quarters
    assert shown == {label: expected[label] for label in quarters}
    assert sum(shown.values()) == 1000


def test_the_preview_computes_every_past_period_and_saves_nothing(
    admin_role_user, client_for, form_data
):
    bulk_activities(50)

    response = client_for(admin_role_user).post(
        reverse("measures:metric_preview"),
        form_data | {"period": "year"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    assert [label for label, _value, _complete in response.context["rows"]] == [
        "2023",
        "2024",
        "2025",
    ]
    assert sum(value for _label, value, _complete in response.context["rows"]) == 50
    assert not Metric.objects.exists()
    assert not MetricValue.objects.exists()


def test_the_preview_of_an_incomplete_definition_asks_to_complete_it(admin_role_user, client_for):
    response = client_for(admin_role_user).post(reverse("measures:metric_preview"), {"name": ""})

    assert response.status_code == 200
    assert response.context["rows"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"unit": ""}, "unit"),
        ({"kind": "magic"}, "kind"),
        ({"goal": "999999"}, "goal"),
        ({"period": "week"}, "period"),
        ({"aggregation": ""}, "aggregation"),
        ({"aggregation": "hugs"}, "aggregation"),
        ({"aggregation": "activities", "age_bands": ["participants_13_17"]}, "age_bands"),
        ({"aggregation": "signals", "types": ["first"]}, "types"),
        ({"target_2025": "lots"}, "target_2025"),
        ({"target_2025": "1" * 20}, "target_2025"),
        ({"baseline_value": "10"}, "baseline_period"),
        ({"baseline_period": "yesterday"}, "baseline_period"),
        ({"direction": "sideways"}, "direction"),
        ({"areas": ["abc"]}, "areas"),
        ({"status": "finished"}, "status"),
        ({"kind": "ratio"}, "numerator"),
    ],
)
def test_bad_definitions_are_refused_and_nothing_is_written(
    admin_role_user, client_for, form_data, change, field
):
    if change.get("types") == ["first"]:
        change = change | {"types": [ActivityTypeFactory.create().pk]}

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), form_data | change
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Metric.objects.exists()
    assert not MetricVersion.objects.exists()


def test_means_of_another_goal_is_refused(admin_role_user, client_for, form_data, strategy):
    other = strategy.goals.get(number=4).means_set.first()

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), form_data | {"means": other.pk}
    )

    assert "means" in response.context["form"].errors
    assert not Metric.objects.exists()


def test_a_ratio_of_parts_with_another_period_is_refused(admin_role_user, client_for, form_data):
    monthly = MetricFactory.create(period=Period.MONTH)
    quarterly = MetricFactory.create(period=Period.QUARTER)

    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"),
        form_data | {"kind": "ratio", "numerator": monthly.pk, "denominator": quarterly.pk},
    )

    assert "numerator" in response.context["form"].errors
    assert Metric.objects.count() == 2


def test_editing_the_definition_makes_version_2_and_version_1_stays_readable(
    admin_role_user, client_for, form_data, django_capture_on_commit_callbacks
):
    ActivityFactory.create(date=datetime.date(2025, 2, 1))  # 10 participants
    client = client_for(admin_role_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("measures:metric_create"), form_data)
    metric = Metric.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("measures:metric_update", args=[metric.pk]),
            form_data | {"aggregation": "participants"},
        )

    current = client.get(reverse("measures:metric", args=[metric.pk]))
    old = client.get(reverse("measures:metric", args=[metric.pk]), {"version": "1"})
    assert current.context["version"].number == 2
    assert {r.label: r.value for r in current.context["rows"]}["2025 Q1"] == 10
    assert old.context["version"].number == 1
    assert {r.label: r.value for r in old.context["rows"]}["2025 Q1"] == 1
    assert "Version 2" in current.text or "Versio 2" in current.text


def test_the_state_says_recomputing_while_marks_are_stale(leadership_user, client_for):
    metric = MetricFactory.create()
    StalePeriod.objects.create(metric=metric, period_start=None)

    response = client_for(leadership_user).get(reverse("measures:metric_state", args=[metric.pk]))

    assert response.context["recomputing"] is True
    assert 'hx-trigger="every 2s"' in response.text


@pytest.mark.parametrize(
    ("role", "read", "define"),
    [("staff_user", 200, 403), ("leadership_user", 200, 403), ("admin_role_user", 200, 200)],
)
def test_who_may_read_and_define_metrics(request, client_for, role, read, define):
    metric = MetricFactory.create()
    client = client_for(request.getfixturevalue(role))

    assert client.get(reverse("measures:metrics")).status_code == read
    assert client.get(reverse("measures:metric", args=[metric.pk])).status_code == read
    assert client.get(reverse("measures:metric_create")).status_code == define
    assert client.get(reverse("measures:metric_update", args=[metric.pk])).status_code == define
    assert client.get(reverse("measures:metric_delete", args=[metric.pk])).status_code == define
    assert client.post(reverse("measures:metric_preview"), {}).status_code == define


def test_leadership_cannot_change_a_definition_by_posting(leadership_user, client_for, form_data):
    metric = MetricFactory.create(name="Alkuperäinen")

    response = client_for(leadership_user).post(
        reverse("measures:metric_update", args=[metric.pk]), form_data
    )

    assert response.status_code == 403
    metric.refresh_from_db()
    assert metric.name == "Alkuperäinen"


# --- Manual values ------------------------------------------------------------------------


@pytest.fixture
def manual(strategy) -> Metric:
    return MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={})


def test_leadership_enters_a_value_and_it_is_shown(
    leadership_user, client_for, manual, django_capture_on_commit_callbacks
):
    client = client_for(leadership_user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("measures:measurement_create", args=[manual.pk]),
            {"period_start": "2024-01-01", "value": "3,5", "source": "Tunnettuuskysely 2024"},
        )

    assert response.status_code == 302
    page = client.get(reverse("measures:metric", args=[manual.pk]))
    assert {r.label: r.value for r in page.context["rows"]} == {"2024": Decimal("3.5")}
    # 2023 is over and has no value: it is missing. 2025 is not over yet.
    assert page.context["missing"] == ["2023"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"period_start": "2024-02-01"}, "period_start"),
        ({"period_start": "2030-01-01"}, "period_start"),
        ({"period_start": "x"}, "period_start"),
        ({"value": ""}, "value"),
        ({"value": "abc"}, "value"),
        ({"source": ""}, "source"),
        ({"source": "Soitto numeroon 040 123 4567"}, "source"),
        ({"note": "Vastaaja 131052-308T"}, "note"),
    ],
)
def test_bad_values_are_refused(leadership_user, client_for, manual, change, field):
    data = {"period_start": "2024-01-01", "value": "3", "source": "Kysely"}

    response = client_for(leadership_user).post(
        reverse("measures:measurement_create", args=[manual.pk]), data | change
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Measurement.objects.exists()


def test_a_second_value_for_a_period_is_refused(leadership_user, client_for, manual):
    MeasurementFactory.create(metric=manual, period_start=datetime.date(2024, 1, 1), value=1)

    response = client_for(leadership_user).post(
        reverse("measures:measurement_create", args=[manual.pk]),
        {"period_start": "2024-01-01", "value": "2", "source": "Kysely"},
    )

    assert "period_start" in response.context["form"].errors
    assert Measurement.objects.get().value == 1


def test_staff_cannot_enter_values(staff_user, client_for, manual):
    response = client_for(staff_user).post(
        reverse("measures:measurement_create", args=[manual.pk]),
        {"period_start": "2024-01-01", "value": "2", "source": "Kysely"},
    )

    assert response.status_code == 403
    assert not Measurement.objects.exists()


def test_values_cannot_be_entered_for_a_computed_metric(leadership_user, client_for):
    computed = MetricFactory.create()

    response = client_for(leadership_user).get(
        reverse("measures:measurement_create", args=[computed.pk])
    )

    assert response.status_code == 404


def test_metric_list__query_count_does_not_grow_with_metrics(
    leadership_user, client_for, strategy, django_assert_num_queries
):
    MetricFactory.create(goal=strategy.goals.first())
    client = client_for(leadership_user)
    client.get(reverse("measures:metrics"))
    with django_assert_num_queries(8) as few:
        client.get(reverse("measures:metrics"))
    for goal in strategy.goals.all():
        MetricFactory.create_batch(3, goal=goal)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("measures:metrics"))


def test_goal_page_fragment_lists_the_goals_metrics(staff_user, client_for, strategy):
    goal = strategy.goals.get(number=3)
    MetricFactory.create(goal=goal, name="Kolmosen mittari")
    MetricFactory.create(goal=strategy.goals.get(number=1), name="Ykkösen mittari")

    response = client_for(staff_user).get(reverse("measures:goal_metrics", args=[goal.pk]))

    assert "Kolmosen mittari" in response.text
    assert "Ykkösen mittari" not in response.text


def test_metric_detail__query_count_does_not_grow_with_the_values(
    leadership_user, client_for, django_assert_num_queries
):
    metric = MetricFactory.create()
    ActivityFactory.create(date=datetime.date(2025, 1, 5))
    services.recompute_metric(metric.pk)
    client = client_for(leadership_user)
    client.get(reverse("measures:metric", args=[metric.pk]))
    with django_assert_num_queries(13) as few:
        client.get(reverse("measures:metric", args=[metric.pk]))
    ActivityFactory.create_batch(5, date=datetime.date(2024, 3, 5))
    services.recompute_metric(metric.pk)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("measures:metric", args=[metric.pk]))


def test_metric_form__kind_has_no_blank_choice_and_none_ticked(admin_role_user, client_for):
    response = client_for(admin_role_user).get(reverse("measures:metric_create"))

    kinds = re.findall(r'<input type="radio" name="kind"[^>]*>', response.text)
    assert len(kinds) == len(Metric.Kind.choices)
    assert not [radio for radio in kinds if 'value=""' in radio or "checked" in radio]
    directions = re.findall(r'<input type="radio" name="direction"[^>]*>', response.text)
    assert [radio for radio in directions if "checked" in radio] == [
        next(radio for radio in directions if 'value="increase"' in radio)
    ]
    assert "Select an option" not in response.text


def test_metric_create__saves_the_kind_chosen_from_the_radio_list(
    admin_role_user, client_for, form_data
):
    response = client_for(admin_role_user).post(
        reverse("measures:metric_create"), form_data | {"kind": "manual"}
    )

    assert response.status_code == 302
    assert Metric.objects.get().kind == Metric.Kind.MANUAL

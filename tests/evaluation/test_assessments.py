"""Outcome assessments: only leadership and admins record them (refused on the server), with
evidence guarded against personal data and links only to the goal's metrics and activities; a
history that is never rewritten; the outcome page's query count."""

from __future__ import annotations

import datetime

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Level, OutcomeAssessment, StrategyEvaluation
from goals.models import Outcome
from tests.factories.activity import ActivityFactory
from tests.factories.evaluation import OutcomeAssessmentFactory
from tests.factories.metric import MetricFactory
from tests.goals.test_means import PERSONAL_DATA

pytestmark = pytest.mark.django_db


@pytest.fixture
def outcome(strategy) -> Outcome:
    return Outcome.objects.get(goal__strategy=strategy, goal__number=2, position=1)


def url(outcome: Outcome, name: str = "evaluation:outcome", *extra: int) -> str:
    return reverse(name, args=[outcome.goal.number, outcome.position, *extra])


def assessment_data(**overrides: object) -> dict[str, object]:
    return {
        "assessed_on": "2025-12-12",
        "level": str(Level.PROGRESSING.value),
        "evidence": "Malli on käytössä kolmessa yksikössä.",
        **overrides,
    }


@pytest.mark.parametrize("user_fixture", ["leadership_user", "admin_role_user"])
def test_assessment__by_leadership_or_admin_is_saved_with_its_links(
    request, outcome, client_for, user_fixture
):
    user = request.getfixturevalue(user_fixture)
    first, second = MetricFactory.create_batch(2, goal=outcome.goal)
    activity = ActivityFactory.create(date=datetime.date(2025, 6, 1), goals=[outcome.goal])

    response = client_for(user).post(
        url(outcome, "evaluation:assessment_create"),
        assessment_data(metrics=[first.pk, second.pk], activities=[activity.pk], is_final="on"),
    )

    assert response.status_code == 302
    saved = OutcomeAssessment.objects.get(outcome=outcome)
    assert (saved.level, saved.is_final, saved.author) == (Level.PROGRESSING, True, user)
    assert set(saved.metrics.all()) == {first, second}
    assert list(saved.activities.all()) == [activity]
    # In the audit history, with who recorded it.
    # (the row, then its metrics and its activities).
    entries = LogEntry.objects.get_for_object(saved)
    assert {entry.actor for entry in entries} == {user}
    assert entries.filter(action=LogEntry.Action.CREATE).exists()
    page = client_for(user).get(url(outcome))
    assert first.name in page.text
    assert second.name in page.text
    assert "Malli on käytössä kolmessa yksikössä." in page.text


def test_assessment__staff_see_the_outcome_read_only_and_cannot_assess(
    outcome, staff_user, client_for
):
    OutcomeAssessmentFactory.create(outcome=outcome, evidence="Näyttö")
    client = client_for(staff_user)

    page = client.get(url(outcome))
    create = client.post(url(outcome, "evaluation:assessment_create"), assessment_data())
    latest = OutcomeAssessment.objects.get()
    edit = client.post(url(outcome, "evaluation:assessment_update", latest.pk), assessment_data())

    assert page.status_code == 200
    assert "Näyttö" in page.text
    assert 'name="evidence"' not in page.text
    assert (create.status_code, edit.status_code) == (403, 403)
    assert OutcomeAssessment.objects.count() == 1
    latest.refresh_from_db()
    assert latest.evidence == "Näyttö"


def test_assessment__links_only_the_goals_metrics_and_activities(
    outcome, leadership_user, client_for
):
    other_goal = outcome.goal.strategy.goals.get(number=3)
    metric = MetricFactory.create(goal=other_goal)
    activity = ActivityFactory.create(goals=[other_goal])

    response = client_for(leadership_user).post(
        url(outcome, "evaluation:assessment_create"),
        assessment_data(metrics=[metric.pk], activities=[activity.pk]),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.has_error("metrics", "invalid_choice")
    assert form.has_error("activities", "invalid_choice")
    assert not OutcomeAssessment.objects.exists()


@pytest.mark.parametrize("kind", PERSONAL_DATA)
def test_assessment__evidence_with_personal_data_is_refused(
    outcome, leadership_user, client_for, kind
):
    response = client_for(leadership_user).post(
        url(outcome, "evaluation:assessment_create"), assessment_data(evidence=PERSONAL_DATA[kind])
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("evidence", "personal_data")
    assert not OutcomeAssessment.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        {"level": "7"},
        {"level": "kolme"},
        {"assessed_on": "2025-02-30"},
        {"assessed_on": "1800-01-01"},
        {"evidence": ""},
        {"evidence": "x" * 4001},
        {"metrics": ["abc"]},
        {"activities": ["99999999999999999999"]},
    ],
)
def test_assessment__bad_input_is_refused_with_a_message(outcome, leadership_user, client_for, bad):
    response = client_for(leadership_user).post(
        url(outcome, "evaluation:assessment_create"), assessment_data(**bad)
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not OutcomeAssessment.objects.exists()


def test_assessment__cannot_be_dated_before_the_latest_or_in_the_future(
    outcome, leadership_user, client_for
):
    OutcomeAssessmentFactory.create(outcome=outcome, assessed_on=datetime.date(2025, 12, 12))
    client = client_for(leadership_user)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    earlier = client.post(
        url(outcome, "evaluation:assessment_create"), assessment_data(assessed_on="2024-12-12")
    )
    future = client.post(
        url(outcome, "evaluation:assessment_create"),
        assessment_data(assessed_on=tomorrow.isoformat()),
    )

    assert earlier.context["form"].has_error("assessed_on", "before_latest")
    assert future.context["form"].has_error("assessed_on", "future")
    assert OutcomeAssessment.objects.count() == 1


def test_history__a_later_assessment_keeps_the_earlier_one_and_freezes_it(
    outcome, leadership_user, client_for
):
    client = client_for(leadership_user)
    client.post(url(outcome, "evaluation:assessment_create"), assessment_data(evidence="Eka"))
    first = OutcomeAssessment.objects.get()
    client.post(
        url(outcome, "evaluation:assessment_create"),
        assessment_data(assessed_on="2026-06-01", level="3", evidence="Toka"),
    )
    second = OutcomeAssessment.objects.exclude(pk=first.pk).get()

    page = client.get(url(outcome))
    edit_first = client.get(url(outcome, "evaluation:assessment_update", first.pk))
    post_first = client.post(
        url(outcome, "evaluation:assessment_update", first.pk), assessment_data(evidence="Muutettu")
    )
    edit_second = client.post(
        url(outcome, "evaluation:assessment_update", second.pk),
        assessment_data(assessed_on="2026-06-01", level="3", evidence="Korjattu"),
    )

    assert [a.evidence for a in page.context["assessments"]] == ["Toka", "Eka"]
    assert [a.level for a in page.context["timeline"]] == [Level.PROGRESSING, Level.ACHIEVED]
    assert (edit_first.status_code, post_first.status_code) == (403, 403)
    assert edit_second.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.evidence, second.evidence) == ("Eka", "Korjattu")


def test_history__cannot_change_once_the_evaluation_is_done(outcome, leadership_user, client_for):
    StrategyEvaluation.objects.create(strategy=outcome.goal.strategy, done_at=timezone.now())

    response = client_for(leadership_user).post(
        url(outcome, "evaluation:assessment_create"), assessment_data()
    )

    assert response.status_code == 200
    assert response.context["form"].has_error("__all__", "evaluation_done")
    assert not OutcomeAssessment.objects.exists()


def test_activity_search__finds_the_goals_done_activities_by_title(
    outcome, leadership_user, staff_user, client_for
):
    ActivityFactory.create(title="Kevätsiivous Kontulassa", goals=[outcome.goal])
    ActivityFactory.create(title="Kevätjuhla", goals=[outcome.goal.strategy.goals.get(number=1)])
    search = url(outcome, "evaluation:activity_search")

    found = client_for(leadership_user).get(search, {"q": "kevät"})
    refused = client_for(staff_user).get(search, {"q": "kevät"})

    assert [a.title for a in found.context["offered"]] == ["Kevätsiivous Kontulassa"]
    assert refused.status_code == 403


def test_goal_outcomes__shows_each_outcomes_latest_level(outcome, staff_user, client_for):
    OutcomeAssessmentFactory.create(outcome=outcome, level=Level.EMERGING)
    OutcomeAssessmentFactory.create(
        outcome=outcome, level=Level.ACHIEVED, assessed_on=datetime.date(2025, 12, 1)
    )

    response = client_for(staff_user).get(
        reverse("evaluation:goal_outcomes", args=[outcome.goal.pk])
    )

    assert response.status_code == 200
    levels = {state.outcome.pk: state.assessment for state in response.context["states"]}
    assert levels[outcome.pk].level == Level.ACHIEVED
    assert len(levels) == outcome.goal.outcome_set.count()


@pytest.mark.parametrize("size", [1, 12])
def test_outcome_page__query_count_is_flat_in_assessments_and_activities(
    outcome, leadership_user, client_for, django_assert_num_queries, size
):
    metrics = MetricFactory.create_batch(2, goal=outcome.goal)
    activities = ActivityFactory.create_batch(size, goals=[outcome.goal])
    for year in range(size):
        assessment = OutcomeAssessmentFactory.create(
            outcome=outcome, assessed_on=datetime.date(2020 + year % 6, 1 + year % 12, 1)
        )
        assessment.metrics.set(metrics)
        assessment.activities.set(activities)
    client = client_for(leadership_user)
    client.get(url(outcome))

    with django_assert_num_queries(11):
        client.get(url(outcome))

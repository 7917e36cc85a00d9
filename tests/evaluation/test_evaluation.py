"""The strategy's final evaluation: what it shows per goal, what is still missing, the closing
summaries (guarded against personal data), marking it done only when the strategy is over and
nothing is missing, who may write it, and the page's query count."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from evaluation.models import GoalEvaluation, Level, StrategyEvaluation
from goals.models import Means, Outcome
from tests.factories import StrategyFactory
from tests.factories.evaluation import OutcomeAssessmentFactory
from tests.factories.goal import GoalFactory, MeansFactory, MeansNoteFactory, OutcomeFactory
from tests.factories.metric import MetricFactory
from tests.goals.test_means import PERSONAL_DATA

pytestmark = pytest.mark.django_db


def evaluation_url(strategy, name: str = "evaluation:evaluation") -> str:
    return reverse(name, args=[strategy.slug])


def assess_all_finally(strategy) -> None:
    for outcome in Outcome.objects.filter(goal__strategy=strategy):
        OutcomeAssessmentFactory.create(outcome=outcome, level=Level.ACHIEVED, is_final=True)


def test_evaluation__lists_what_is_missing(strategy, leadership_user, client_for):
    assess_all_finally(strategy)
    missing = Outcome.objects.get(goal__strategy=strategy, goal__number=2, position=2)
    missing.assessments.update(is_final=False)
    open_means = Means.objects.get(goal__strategy=strategy, goal__number=3, position=1)
    open_means.status = Means.Status.IN_PROGRESS
    open_means.save()

    response = client_for(leadership_user).get(evaluation_url(strategy))

    evaluation = response.context["evaluation"]
    assert evaluation.missing_outcomes == [missing]
    assert evaluation.open_means == [open_means]
    assert missing.text[:30] in response.text
    # Not complete: no button to mark it done, and marking it is refused on the server.
    assert evaluation_url(strategy, "evaluation:evaluation_done") not in response.text
    done = client_for(leadership_user).post(evaluation_url(strategy, "evaluation:evaluation_done"))
    assert done.status_code == 302
    assert not StrategyEvaluation.objects.filter(done_at__isnull=False).exists()


def test_evaluation__shows_final_assessments_metrics_and_means_per_goal(
    strategy, staff_user, client_for
):
    assess_all_finally(strategy)
    outcome = Outcome.objects.get(goal__strategy=strategy, goal__number=1, position=1)
    OutcomeAssessmentFactory.create(
        outcome=outcome,
        assessed_on=datetime.date(2025, 12, 20),
        evidence="Lopullinen näyttö",
        is_final=True,
    )
    metric = MetricFactory.create(goal=outcome.goal, name="Osallistujat (arvio)")

    response = client_for(staff_user).get(evaluation_url(strategy))

    assert response.status_code == 200
    goal_one = response.context["evaluation"].goals[0]
    final = {state.outcome.pk: state.assessment for state in goal_one.outcomes}
    assert final[outcome.pk].evidence == "Lopullinen näyttö"
    assert [summary.metric for summary in goal_one.metrics] == [metric]
    assert len(goal_one.means) == outcome.goal.means_set.count()
    assert "Lopullinen näyttö" in response.text
    assert 'name="summary"' not in response.text  # staff read it only


def test_evaluation__is_marked_done_when_complete_and_reopened(
    strategy, leadership_user, client_for
):
    assess_all_finally(strategy)
    client = client_for(leadership_user)

    page = client.get(evaluation_url(strategy))
    done = client.post(evaluation_url(strategy, "evaluation:evaluation_done"))
    record = StrategyEvaluation.objects.get(strategy=strategy)
    save_when_done = client.post(
        evaluation_url(strategy, "evaluation:evaluation_save"), {"summary": "Myöhästynyt"}
    )
    reopen = client.post(evaluation_url(strategy, "evaluation:evaluation_reopen"))

    assert evaluation_url(strategy, "evaluation:evaluation_done") in page.text
    assert done.status_code == 302
    assert (record.done_by, record.done_at is not None) == (leadership_user, True)
    assert save_when_done.context["form"].has_error("__all__", "evaluation_done")
    assert reopen.status_code == 302
    record.refresh_from_db()
    assert (record.done_at, record.summary) == (None, "")


def test_evaluation__cannot_be_done_before_the_strategy_is_over(leadership_user, client_for):
    strategy = StrategyFactory.create(start_year=2026, end_year=2028)
    goal = GoalFactory.create(strategy=strategy)
    OutcomeAssessmentFactory.create(outcome=OutcomeFactory.create(goal=goal), is_final=True)

    response = client_for(leadership_user).post(
        evaluation_url(strategy, "evaluation:evaluation_done")
    )

    assert response.status_code == 302
    assert not StrategyEvaluation.objects.filter(done_at__isnull=False).exists()


def test_summaries__are_saved_per_goal_and_for_the_strategy(strategy, leadership_user, client_for):
    goal = strategy.goals.get(number=2)

    response = client_for(leadership_user).post(
        evaluation_url(strategy, "evaluation:evaluation_save"),
        {"summary": "Kokonaisuutena onnistuimme.", "goal_2": "Naapurustot vahvistuivat."},
    )

    assert response.status_code == 302
    assert (
        StrategyEvaluation.objects.get(strategy=strategy).summary == "Kokonaisuutena onnistuimme."
    )
    assert GoalEvaluation.objects.get().goal == goal
    assert GoalEvaluation.objects.get().summary == "Naapurustot vahvistuivat."


@pytest.mark.parametrize("field", ["summary", "goal_3"])
@pytest.mark.parametrize("kind", PERSONAL_DATA)
def test_summaries__with_personal_data_are_refused(
    strategy, leadership_user, client_for, field, kind
):
    response = client_for(leadership_user).post(
        evaluation_url(strategy, "evaluation:evaluation_save"), {field: PERSONAL_DATA[kind]}
    )

    assert response.status_code == 200
    assert response.context["form"].has_error(field, "personal_data")
    assert not StrategyEvaluation.objects.exists()
    assert not GoalEvaluation.objects.exists()


@pytest.mark.parametrize("name", ["evaluation_save", "evaluation_done", "evaluation_reopen"])
def test_evaluation__writes_are_refused_to_staff(strategy, staff_user, client_for, name):
    assess_all_finally(strategy)

    response = client_for(staff_user).post(evaluation_url(strategy, f"evaluation:{name}"))

    assert response.status_code == 403
    assert not StrategyEvaluation.objects.exists()


def test_evaluation__of_an_unknown_strategy_is_not_found(leadership_user, client_for):
    response = client_for(leadership_user).get("/strategies/no-such/evaluation/")

    assert response.status_code == 404


@pytest.mark.parametrize("size", [1, 6])
def test_evaluation__query_count_is_flat_in_notes_assessments_and_metrics(
    leadership_user, client_for, django_assert_num_queries, size
):
    strategy = StrategyFactory.create(start_year=2023, end_year=2025, slug="s")
    for number in (1, 2):
        goal = GoalFactory.create(strategy=strategy, number=number)
        MetricFactory.create_batch(size, goal=goal)
        for position in range(1, size + 1):
            means = MeansFactory.create(goal=goal, position=position)
            MeansNoteFactory.create_batch(size, means=means)
            outcome = OutcomeFactory.create(goal=goal, position=position)
            OutcomeAssessmentFactory.create_batch(size, outcome=outcome, is_final=True)
    client = client_for(leadership_user)
    client.get(evaluation_url(strategy))

    with django_assert_num_queries(16):
        client.get(evaluation_url(strategy))


def test_menu__links_the_active_strategys_evaluation(strategy, staff_user, client_for):
    client = client_for(staff_user)

    page = client.get(reverse("goals:strategy"))
    response = client.get(reverse("evaluation:current"))

    assert reverse("evaluation:current") in page.text
    assert response.status_code == 302
    assert response["Location"] == evaluation_url(strategy)


@pytest.mark.parametrize(
    ("language", "heading", "level"),
    [
        ("fi", "Strategian loppuarviointi", "Saavutettu"),
        ("sv", "Strategins slututvärdering", "Uppnådd"),
        ("en", "Final evaluation of the strategy", "Achieved"),
    ],
)
def test_pages__speak_finnish_swedish_and_english(
    strategy, leadership_user, client_for, language, heading, level
):
    from django.conf import settings

    assess_all_finally(strategy)
    client = client_for(leadership_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    evaluation = client.get(evaluation_url(strategy))
    outcome = client.get(reverse("evaluation:outcome", args=[1, 1]))
    means = client.get(reverse("goals:means", args=[1, 1]))

    assert f'<html lang="{language}"' in evaluation.text
    assert heading in evaluation.text
    assert level in outcome.text
    assert means.status_code == 200
    assert f'<html lang="{language}"' in means.text

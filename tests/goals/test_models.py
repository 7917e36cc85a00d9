from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from goals.models import Strategy, split_paragraphs
from tests.factories import GoalFactory, MeansFactory, StrategyFactory

pytestmark = pytest.mark.django_db


def test_split_paragraphs__splits_on_blank_lines_and_drops_empty_ones():
    assert split_paragraphs("Yksi.\nJatkuu.\n\n\n  Kaksi.  \n\n") == ["Yksi.\nJatkuu.", "Kaksi."]


def test_strategy__only_one_can_be_active():
    StrategyFactory(status=Strategy.Status.ACTIVE)
    second = StrategyFactory.build(status=Strategy.Status.ACTIVE, start_year=2040, end_year=2042)
    second.slug = "2040-2042"

    with translation.override("fi"), pytest.raises(ValidationError) as error:
        second.full_clean()

    expected = translation.gettext("Only one strategy can be active at a time.")
    assert expected in str(error.value)


def test_strategy__only_one_active_holds_in_the_database_too():
    StrategyFactory(status=Strategy.Status.ACTIVE)

    with pytest.raises(IntegrityError), transaction.atomic():
        StrategyFactory(status=Strategy.Status.ACTIVE)


def test_strategy__period_cannot_end_before_it_starts():
    strategy = StrategyFactory.build(start_year=2025, end_year=2023, slug="x")

    with (
        translation.override("en"),
        pytest.raises(ValidationError, match="last year cannot be before the first year"),
    ):
        strategy.full_clean()


def test_goal__number_is_unique_within_a_strategy():
    goal = GoalFactory(number=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        GoalFactory(strategy=goal.strategy, number=1)


def test_goal__number_must_be_positive():
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalFactory(number=0)


def test_means__position_is_unique_within_a_goal():
    means = MeansFactory(position=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        MeansFactory(goal=means.goal, position=1)


def test_strategy__period_reads_as_a_range():
    assert StrategyFactory.build(start_year=2023, end_year=2025).period == "2023–2025"

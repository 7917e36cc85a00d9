from __future__ import annotations

import factory

from goals.models import Goal, Means, MeansNote, Outcome
from tests.factories.strategy import StrategyFactory


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    strategy = factory.SubFactory(StrategyFactory)
    number = factory.Sequence(lambda n: n + 1)
    title_fi = factory.Faker("sentence", locale="fi_FI")
    focus_area_fi = factory.Faker("sentence", nb_words=3, locale="fi_FI")
    description_fi = factory.Faker("paragraph", locale="fi_FI")
    metrics_note_fi = "Sovitaan myöhemmin"


class MeansFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Means

    goal = factory.SubFactory(GoalFactory)
    position = factory.Sequence(lambda n: n + 1)
    text_fi = factory.Faker("sentence", locale="fi_FI")


class OutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Outcome

    goal = factory.SubFactory(GoalFactory)
    position = factory.Sequence(lambda n: n + 1)
    text_fi = factory.Faker("sentence", locale="fi_FI")


class MeansNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeansNote

    means = factory.SubFactory(MeansFactory)
    text = factory.Faker("sentence", locale="fi_FI")
    status = Means.Status.IN_PROGRESS

from __future__ import annotations

import factory

from goals.models import InequalityTheme, PhenomenonField, PhenomenonSource, Strategy, Value


class StrategyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Strategy
        django_get_or_create = ("slug",)

    start_year = factory.Sequence(lambda n: 2030 + 3 * n)
    end_year = factory.LazyAttribute(lambda s: s.start_year + 2)
    slug = factory.LazyAttribute(lambda s: f"{s.start_year}-{s.end_year}")
    name_fi = factory.LazyAttribute(lambda s: f"Strategia {s.start_year}–{s.end_year}")
    subtitle_fi = factory.Faker("sentence", locale="fi_FI")
    story_title_fi = factory.Faker("sentence", locale="fi_FI")
    story_fi = factory.Faker("paragraph", locale="fi_FI")
    mission_title_fi = factory.Faker("sentence", locale="fi_FI")
    mission_fi = factory.Faker("paragraph", locale="fi_FI")
    vision_title_fi = factory.Faker("sentence", locale="fi_FI")
    vision_fi = factory.Faker("paragraph", locale="fi_FI")
    closing_line_fi = factory.Faker("sentence", locale="fi_FI")
    status = Strategy.Status.DRAFT


class StrategyPartFactory(factory.django.DjangoModelFactory):
    strategy = factory.SubFactory(StrategyFactory)
    position = factory.Sequence(lambda n: n + 1)


class ValueFactory(StrategyPartFactory):
    class Meta:
        model = Value

    name_fi = factory.Faker("word", locale="fi_FI")
    description_fi = factory.Faker("paragraph", locale="fi_FI")


class PhenomenonFieldFactory(StrategyPartFactory):
    class Meta:
        model = PhenomenonField

    name_fi = factory.Faker("sentence", nb_words=3, locale="fi_FI")


class PhenomenonSourceFactory(StrategyPartFactory):
    class Meta:
        model = PhenomenonSource

    citation = factory.Faker("sentence", locale="fi_FI")


class InequalityThemeFactory(StrategyPartFactory):
    class Meta:
        model = InequalityTheme

    name_fi = factory.Faker("sentence", nb_words=3, locale="fi_FI")

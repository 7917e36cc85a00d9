from __future__ import annotations

import datetime

import factory

from evaluation.models import Level, OutcomeAssessment
from tests.factories.goal import OutcomeFactory


class OutcomeAssessmentFactory(factory.django.DjangoModelFactory[OutcomeAssessment]):
    class Meta:
        model = OutcomeAssessment

    outcome = factory.SubFactory(OutcomeFactory)
    assessed_on = datetime.date(2024, 12, 12)
    level = Level.EMERGING
    evidence = factory.Faker("sentence", locale="fi_FI")
    is_final = False

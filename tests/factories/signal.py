from __future__ import annotations

import datetime
from typing import Any, cast

import factory

from neighbourhoods.models import Signal
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory


class SignalFactory(factory.django.DjangoModelFactory[Signal]):
    """A signal of inequality; pass themes=[...] to link them."""

    class Meta:
        model = Signal
        skip_postgeneration_save = True

    date = factory.LazyFunction(lambda: datetime.date(2024, 5, 14))
    area = factory.SubFactory(AreaFactory)
    text = factory.Faker("sentence", nb_words=8, locale="fi_FI")
    raised_by = Signal.RaisedBy.RESIDENT
    urgency = Signal.Urgency.MEDIUM
    unit = factory.SubFactory(UnitFactory)
    created_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def themes(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            cast(Signal, self).themes.set(extracted)  # factory-boy passes the signal as `self`

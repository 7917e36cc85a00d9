from __future__ import annotations

import datetime
from typing import Any

import factory

from neighbourhoods.models import Activity, ActivityType
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory


class ActivityTypeFactory(factory.django.DjangoModelFactory[ActivityType]):
    class Meta:
        model = ActivityType
        django_get_or_create = ("name_fi",)

    name_fi = "Jalkautuva työ"
    name = factory.SelfAttribute("name_fi")


def _set(activity: Activity, relation: str, objects: Any) -> None:
    """Link the given objects through a many-to-many relation, if any were given."""
    if objects:
        getattr(activity, relation).set(objects)


class ActivityFactory(factory.django.DjangoModelFactory[Activity]):
    """An activity; pass goals=[...] (and means, themes, partners, organisers) to link them."""

    class Meta:
        model = Activity
        skip_postgeneration_save = True

    title = factory.Faker("sentence", nb_words=4, locale="fi_FI")
    date = factory.LazyFunction(lambda: datetime.date(2024, 5, 14))
    status = Activity.Status.DONE
    area = factory.SubFactory(AreaFactory)
    type = factory.SubFactory(ActivityTypeFactory)
    unit = factory.SubFactory(UnitFactory)
    created_by = factory.SubFactory(UserFactory)
    participants_13_17 = 8
    participants_18_29 = 2
    new_participants = 3

    goals = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _set(obj, "goals", extracted)
    )
    means = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _set(obj, "means", extracted)
    )
    themes = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _set(obj, "themes", extracted)
    )
    partners = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _set(obj, "partners", extracted)
    )
    organisers = factory.PostGeneration(
        lambda obj, create, extracted, **kw: _set(obj, "organisers", extracted)
    )

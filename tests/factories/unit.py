from __future__ import annotations

import factory

from neighbourhoods.models import Unit


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit
        django_get_or_create = ("name_fi",)

    name_fi = factory.Sequence(lambda n: f"Asukastalo {n}")
    name = factory.SelfAttribute("name_fi")
    kind = Unit.Kind.RESIDENTS_HOUSE

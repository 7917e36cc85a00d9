from __future__ import annotations

import datetime

import factory

from neighbourhoods.models import Project


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Naapurustohanke {n}")
    funder_kind = Project.FunderKind.STEA
    funder = "STEA"
    starts_on = datetime.date(2023, 1, 1)
    ends_on = datetime.date(2025, 12, 31)

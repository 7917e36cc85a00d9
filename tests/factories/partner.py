from __future__ import annotations

import factory

from neighbourhoods.models import Partner


class PartnerFactory(factory.django.DjangoModelFactory[Partner]):
    class Meta:
        model = Partner
        django_get_or_create = ("name",)

    name = factory.Faker("company", locale="fi_FI")
    sector = Partner.Sector.THIRD_SECTOR

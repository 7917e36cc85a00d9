from __future__ import annotations

import factory

from neighbourhoods.models import Area

# The level of the area a new area is part of.
PARENT_LEVEL = {
    Area.Level.SUB_DISTRICT: Area.Level.BASIC_DISTRICT,
    Area.Level.BASIC_DISTRICT: Area.Level.MUNICIPALITY,
}


class AreaFactory(factory.django.DjangoModelFactory[Area]):
    """An area added by hand: a sub-district by default, in a basic district in a municipality.

    `AreaFactory(level=Area.Level.MUNICIPALITY)` has no parent; any other level gets a parent of
    the level above (pass `parent=` to choose it). Codes never look like official ones.
    """

    class Meta:
        model = Area
        django_get_or_create = ("code",)

    level = Area.Level.SUB_DISTRICT
    code = factory.Sequence(lambda n: f"test-{n:04d}")
    short_code = factory.Sequence(lambda n: f"{n % 1000:03d}")
    name_fi = factory.Faker("city", locale="fi_FI")
    parent = factory.Maybe(
        factory.LazyAttribute(lambda area: area.level != Area.Level.MUNICIPALITY),
        yes_declaration=factory.SubFactory(
            "tests.factories.area.AreaFactory",
            level=factory.LazyAttribute(lambda parent: PARENT_LEVEL[parent.factory_parent.level]),
        ),
        no_declaration=None,
    )

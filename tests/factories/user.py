from __future__ import annotations

from typing import Any, cast

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User

from kalliola.roles import ADMIN

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user; `UserFactory(role="staff")` (or leadership, admin) puts them in that role."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="fi_FI")
    last_name = factory.Faker("last_name", locale="fi_FI")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        if not (create and extracted):
            return
        user = cast(User, self)  # factory-boy passes the created user as `self`
        user.groups.add(Group.objects.get(name=extracted))
        if extracted == ADMIN:
            # Administrators manage the strategy content in the Django admin.
            user.is_staff = True
            user.save(update_fields=["is_staff"])

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from kalliola.roles import ADMIN, LEADERSHIP, STAFF
from neighbourhoods.models import Unit

# Only for the local quick start: the passwords are printed and are not secret.
DEMO_USERS = [
    # username, role, first name, last name, can open the Django admin
    ("tyontekija", STAFF, "Tiina", "Työntekijä", False),
    ("johto", LEADERSHIP, "Jussi", "Johtaja", False),
    ("yllapito", ADMIN, "Ylva", "Ylläpitäjä", True),
]
DEMO_PASSWORD_SUFFIX = "-demo-2025"  # noqa: S105 (printed demo passwords, DEBUG only)


class Command(BaseCommand):
    help = "Create one demo user per role for the local quick start and print their passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Create the users even when DEBUG is off (never do this in production).",
        )

    @transaction.atomic
    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("Demo users are for local development only (DEBUG is off).")
        user_model = get_user_model()
        # Staff log activities for a unit they belong to.
        unit, _ = Unit.objects.get_or_create(
            name_fi="Nuorisotyö (demo)",
            defaults={"name": "Nuorisotyö (demo)", "kind": Unit.Kind.YOUTH_WORK},
        )
        self.stdout.write("Demo users (local quick start only):")
        for username, role, first_name, last_name, is_staff in DEMO_USERS:
            password = f"{username}{DEMO_PASSWORD_SUFFIX}"
            user, _ = user_model.objects.get_or_create(username=username)
            user.first_name = first_name
            user.last_name = last_name
            user.is_staff = is_staff
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            if role != LEADERSHIP:
                unit.members.add(user)
            self.stdout.write(f"  {role:<11} username: {username:<11} password: {password}")

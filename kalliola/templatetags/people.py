"""{{ user|person }}: a user's name as the pages show it, also for a user since deleted."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kalliola.people import person_name

register = template.Library()


@register.filter
def person(user: Any) -> str:
    if user is None:
        return _("a former user")
    return person_name(user)

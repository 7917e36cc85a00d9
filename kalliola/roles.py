"""The three roles of the app. Each is a Django group; migrations give them their permissions."""

from __future__ import annotations

from typing import Final

from django.utils.translation import gettext_lazy as _

STAFF: Final = "staff"
LEADERSHIP: Final = "leadership"
ADMIN: Final = "admin"

ROLES: Final = (STAFF, LEADERSHIP, ADMIN)

ROLE_LABELS: Final = {
    STAFF: _("Staff"),
    LEADERSHIP: _("Leadership"),
    ADMIN: _("Administrator"),
}

"""How the app names a person to colleagues: by name, not by account name."""

from __future__ import annotations

from typing import Any


def person_name(user: Any) -> str:
    """The user's full name; the account name only for an account with no name given."""
    return str(user.get_full_name() or user.get_username())

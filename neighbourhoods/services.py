"""Writes to the activity log."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from neighbourhoods.models import Activity, Signal

# The many-to-many fields of an activity; everything else in the data is a plain field.
ACTIVITY_M2M_FIELDS = ("partners", "themes", "goals", "means", "organisers")


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    theirs: str
    yours: str


class ActivityConflict(Exception):
    """Someone saved the activity after this edit began; nothing was written."""

    def __init__(self, current: Activity, changes: list[FieldChange]) -> None:
        super().__init__("The activity was changed meanwhile.")
        self.current = current
        self.changes = changes


def _display(value: Any) -> str:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return ", ".join(sorted(str(item) for item in value))
    return "" if value is None else str(value)


def _values(activity: Activity, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        if name in ACTIVITY_M2M_FIELDS:
            values[name] = set(getattr(activity, name).all())
        else:
            values[name] = getattr(activity, name)
    return values


def _apply(activity: Activity, data: Mapping[str, Any]) -> None:
    for name, value in data.items():
        if name not in ACTIVITY_M2M_FIELDS:
            setattr(activity, name, value)
    activity.full_clean(exclude=["created_by"], validate_unique=False)
    activity.save()
    for name in ACTIVITY_M2M_FIELDS:
        if name in data:
            getattr(activity, name).set(data[name])


@transaction.atomic
def activity_create(*, user: User, data: Mapping[str, Any]) -> Activity:
    """Log a new activity from validated data (a form's cleaned_data)."""
    activity = Activity(created_by=user)
    _apply(activity, data)
    if "organisers" not in data:
        activity.organisers.set([user])
    return activity


@transaction.atomic
def activity_update(
    *, activity_id: int, data: Mapping[str, Any], expected_version: int
) -> Activity:
    """Save an edit, unless someone else saved the activity since the edit began.

    The row is locked while it is compared and written, so two simultaneous saves cannot
    both pass the check. On a conflict nothing is written and the caller learns what the
    other person changed.
    """
    activity = Activity.objects.select_for_update().get(pk=activity_id)
    if activity.version != expected_version:
        raise ActivityConflict(activity, _changed_meanwhile(activity, data))
    activity.version += 1
    _apply(activity, data)
    return activity


def _changed_meanwhile(current: Activity, attempted: Mapping[str, Any]) -> list[FieldChange]:
    """The fields where the version saved meanwhile differs from the one being saved."""
    saved = _values(current, attempted)
    changes = []
    for name, yours in attempted.items():
        theirs = saved[name]
        comparable = set(yours) if name in ACTIVITY_M2M_FIELDS else yours
        if theirs != comparable:
            field = Activity._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
            changes.append(FieldChange(name, label, _display(theirs), _display(yours)))
    return changes


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    activity.delete()


@transaction.atomic
def signal_create(*, user: User, data: Mapping[str, Any]) -> Signal:
    """Log a new signal from validated data (a form's cleaned_data)."""
    signal = Signal(created_by=user)
    return _save_signal(signal, data)


@transaction.atomic
def signal_update(*, signal: Signal, data: Mapping[str, Any]) -> Signal:
    return _save_signal(signal, data)


def _save_signal(signal: Signal, data: Mapping[str, Any]) -> Signal:
    for name, value in data.items():
        if name != "themes":
            setattr(signal, name, value)
    signal.full_clean(exclude=["created_by"], validate_unique=False)
    signal.save()
    if "themes" in data:
        signal.themes.set(data["themes"])
    return signal


@transaction.atomic
def signal_delete(*, signal: Signal) -> None:
    signal.delete()

"""The recorded changes of an activity, a signal or a partner, as sentences a reader follows.

django-auditlog stores a change of a plain field as ``[old, new]`` strings, a foreign key as
the id of the row it pointed to. A change of a many-to-many field is an entry of its own:
``{"type": "m2m", "operation": "add" | "delete", "objects": [str(obj), ...]}``, the objects by
what ``str()`` gave in the language of whoever saved. Shown as stored, a page said
"keinot: type → operation". Here each change becomes the field's translated name and what
happened to it, the names looked up once per kind of row, so a long history costs no more
queries than a short one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import Case, Field, IntegerField, Model, Q, Value, When
from django.utils import formats
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from modeltranslation.utils import build_localized_fieldname

from goals.models import Means, Strategy
from kalliola.people import person_name
from neighbourhoods import selectors

# Bookkeeping that changes with every save, or never: no reader asks about it.
UNSHOWN_FIELDS = frozenset({"id", "created_at", "updated_at", "version"})
EMPTY = "–"
TEXT_SHOWN = 200


@dataclass(frozen=True)
class Change:
    field: str
    text: str


@dataclass(frozen=True)
class HistoryEntry:
    timestamp: datetime.datetime
    actor: Any
    who: str
    action: int
    action_label: str
    changes: list[Change]


def readable_history(obj: Model) -> list[HistoryEntry]:
    """Who created, changed or deleted obj and when, newest first, with what changed."""
    entries = list(selectors.object_history(obj))
    model = type(obj)
    updates = [
        (entry, _shown_changes(model, entry))
        for entry in entries
        if entry.action == LogEntry.Action.UPDATE
    ]
    names = _Names(changes for _entry, changes in updates)
    changed = {
        entry.pk: [names.change(field, raw) for field, raw in shown] for entry, shown in updates
    }
    history = []
    for entry in entries:
        changes = changed.get(entry.pk)
        if changes == []:
            # A save that changed nothing anyone reads (only the version went up).
            continue
        history.append(
            HistoryEntry(
                timestamp=entry.timestamp,
                actor=entry.actor,
                who=person_name(entry.actor) if entry.actor else _("the system"),
                action=entry.action,
                action_label=_action_label(entry),
                changes=changes or [],
            )
        )
    return history


def _action_label(entry: LogEntry) -> str:
    labels = {
        LogEntry.Action.CREATE: pgettext("history", "created"),
        LogEntry.Action.UPDATE: pgettext("history", "changed"),
        LogEntry.Action.DELETE: pgettext("history", "deleted"),
    }
    return labels.get(entry.action, str(entry.get_action_display()))


def _shown_changes(model: type[Model], entry: LogEntry) -> list[tuple[Field[Any, Any], Any]]:
    """The changed fields a reader knows from the form, in the model's order."""
    shown: list[tuple[Field[Any, Any], Any]] = []
    for name, raw in entry.changes_dict.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        # Reverse relations (not fields of this model) and the primary key: no form shows them.
        if not isinstance(field, Field) or field.auto_created or name in UNSHOWN_FIELDS:
            continue
        shown.append((field, raw))
    order = {field.name: position for position, field in enumerate(model._meta.get_fields())}
    return sorted(shown, key=lambda change: order.get(change[0].name, 0))


def _is_m2m(raw: Any) -> bool:
    return isinstance(raw, dict) and raw.get("type") == "m2m"


class _Names:
    """The names of the rows the changes point to, each kind read in one query."""

    def __init__(self, changes: Iterable[list[tuple[Field[Any, Any], Any]]]) -> None:
        keys: dict[type[Model], set[Any]] = defaultdict(set)
        reprs: dict[type[Model], set[str]] = defaultdict(set)
        for field, raw in (change for entry in changes for change in entry):
            related = field.related_model
            if related is None or isinstance(related, str):
                continue
            if _is_m2m(raw):
                if related in M2M_NAMES:
                    reprs[related].update(raw.get("objects", []))
            elif field.many_to_one or field.one_to_one:
                keys[related].update(key for value in raw if (key := _key(field, value)))
        self.rows = {
            related: related._base_manager.in_bulk(list(pks)) for related, pks in keys.items()
        }
        self.reprs = {related: M2M_NAMES[related](found) for related, found in reprs.items()}

    def change(self, field: Field[Any, Any], raw: Any) -> Change:
        label = capfirst(str(field.verbose_name))
        if _is_m2m(raw):
            names = self.reprs.get(field.related_model, {})  # type: ignore[arg-type]
            objects = ", ".join(names.get(item, item) for item in raw.get("objects", []))
            if raw.get("operation") == "add":
                return Change(
                    label, pgettext("history", "added %(objects)s") % {"objects": objects}
                )
            return Change(label, pgettext("history", "removed %(objects)s") % {"objects": objects})
        old, new = (self.value(field, value) for value in raw)
        return Change(label, f"{old} → {new}")

    def value(self, field: Field[Any, Any], raw: Any) -> str:
        """A stored value as the form showed it: a choice's label, a row's name, a local date."""
        if raw is None or raw in ("None", ""):
            return EMPTY
        if field.many_to_one or field.one_to_one:
            row = self.rows.get(field.related_model, {}).get(_key(field, raw))  # type: ignore[arg-type]
            if row is None:
                return _("(deleted)")
            return person_name(row) if isinstance(row, get_user_model()) else str(row)
        if field.choices:
            return str(dict(field.flatchoices).get(raw, raw))
        return _plain_value(field.get_internal_type(), str(raw))


def _key(field: Field[Any, Any], raw: Any) -> Any:
    """The key of the row a foreign key pointed to, from the string auditlog stored."""
    if raw is None or raw == "None":
        return None
    try:
        return field.target_field.to_python(raw)  # type: ignore[attr-defined]
    except ValidationError:
        return None


def _plain_value(kind: str, raw: str) -> str:
    try:
        if kind == "BooleanField":
            return _("yes") if raw == "True" else _("no")
        if kind == "DateField":
            return formats.date_format(datetime.date.fromisoformat(raw), "SHORT_DATE_FORMAT")
        if kind == "TimeField":
            return formats.time_format(datetime.time.fromisoformat(raw), "TIME_FORMAT")
        if kind == "DecimalField":
            return formats.number_format(Decimal(raw))
    except (ValueError, InvalidOperation):
        return raw
    return Truncator(raw).chars(TEXT_SHOWN)


def _means_numbers(texts: set[str]) -> dict[str, str]:
    """A means by its number, e.g. 2.3, found by its text in any language.

    The same text in two strategies is read as the active strategy's, then the newest's.
    """
    languages = [code for code, _name in settings.LANGUAGES]
    condition = Q()
    for code in languages:
        condition |= Q(**{f"{build_localized_fieldname('text', code)}__in": texts})
    means = (
        Means.objects.filter(condition)
        .select_related("goal")
        .order_by(
            Case(
                When(goal__strategy__status=Strategy.Status.ACTIVE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
            "-goal__strategy__start_year",
        )
    )
    numbers: dict[str, str] = {}
    for one in means:
        for code in languages:
            text = getattr(one, build_localized_fieldname("text", code))
            if text in texts:
                numbers.setdefault(text, f"{one.goal.number}.{one.position}")
    return numbers


def _user_names(usernames: set[str]) -> dict[str, str]:
    """A person by full name; auditlog recorded the username."""
    users = get_user_model()
    found = users._default_manager.filter(**{f"{users.USERNAME_FIELD}__in": usernames})
    return {user.get_username(): person_name(user) for user in found}


# How the rows of a many-to-many change are named when their stored name is not the one to
# show; goals ("2. Title"), themes and partners are shown by the names stored.
M2M_NAMES: dict[type[Model], Callable[[set[str]], dict[str, str]]] = {
    Means: _means_numbers,
    get_user_model(): _user_names,
}

"""The rules an activity or a signal keeps whichever way it arrives: the form, the import, the
services any later API calls.

A field's own rules (a whole number, not negative, not implausibly large, a date inside the
app's window, no personal data in a text, a length) are the model fields' validators, which
``Model.clean_fields()`` runs. The rules between fields, against today and against the closed
reporting periods are here, as one function per kind of row that returns what is wrong by
field, so that a form shows it at its fields and the import at its row and column.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from neighbourhoods.closing import ClosedPeriods, refusal
from neighbourhoods.models import AGE_BANDS, Activity

Problems = dict[str, list[str]]


def _closed(
    problems: Problems,
    closed: ClosedPeriods,
    day: datetime.date | None,
    stored_day: datetime.date | None,
) -> None:
    """A row moved out of a closed period changes its figures as much as one moved in."""
    for when in (stored_day, day):
        if (period := closed.covering(when)) is not None:
            problems.setdefault("date", []).append(refusal(period))
            return


def activity_problems(
    values: Mapping[str, Any],
    *,
    closed: ClosedPeriods,
    stored_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Problems:
    """What is wrong between the fields of an activity (``values`` as a form's cleaned_data:
    goals and means as objects); fields missing from ``values`` are not checked.
    ``stored_date`` is the saved date of an activity being edited."""
    today = today or timezone.localdate()
    problems: Problems = {}
    date, end_date = values.get("date"), values.get("end_date")
    if values.get("status") == Activity.Status.DONE and date and date > today:
        problems.setdefault("date", []).append(
            _("A done activity cannot be in the future. Mark it planned, or fix the date.")
        )
    if date and end_date and end_date < date:
        problems["end_date"] = [_("The end date cannot be before the start date.")]
    goals, means = values.get("goals"), values.get("means")
    if goals and means:
        chosen = {goal.pk for goal in goals}
        stray = [m for m in means if m.goal_id not in chosen]
        if stray:
            problems["means"] = [
                _("Every means must belong to one of the chosen goals: %(means)s")
                % {"means": "; ".join(f"{m.goal.number}.{m.position}" for m in stray)}
            ]
    if all(values.get(band) is not None for band in AGE_BANDS) and (
        values.get("new_participants") is not None
    ):
        total = sum(values[band] for band in AGE_BANDS)
        if values["new_participants"] > total:
            problems["new_participants"] = [
                _(
                    "There cannot be more new participants (%(new)s) than participants "
                    "in all (%(total)s)."
                )
                % {"new": values["new_participants"], "total": total}
            ]
    _closed(problems, closed, date, stored_date)
    return problems


def signal_problems(
    values: Mapping[str, Any],
    *,
    closed: ClosedPeriods,
    stored_date: datetime.date | None = None,
    today: datetime.date | None = None,
) -> Problems:
    """What is wrong with a signal beyond its fields' own rules."""
    today = today or timezone.localdate()
    problems: Problems = {}
    date = values.get("date")
    if date and date > today:
        problems["date"] = [_("A signal is something already heard: it cannot be in the future.")]
    _closed(problems, closed, date, stored_date)
    return problems


def raise_problems(problems: Problems) -> None:
    if problems:
        raise ValidationError(problems)

"""Closed reporting periods: once a year's (or some months') figures have been reported, nothing
dated in them changes until an admin reopens them.

Every write of the log checks here, whichever way it comes: the activity and signal forms and
their services, the import, the admin, and the manual metric values of the measures app. A
check reads the closed periods once (`ClosedPeriods.load()`) and then answers for any number
of days without another query, so an import of thousands of rows costs one query for it.

Recomputing metric values is not a write of the log: a closed period's values are still
recomputed when a metric's definition changes, and the version shows which definition
produced them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kalliola.people import person_name
from neighbourhoods.models import ClosedPeriod


class PeriodClosed(ValidationError):
    """A write dated in a closed period; its message names the period and who closed it."""

    def __init__(self, period: ClosedPeriod) -> None:
        super().__init__(refusal(period), code="period_closed")
        self.period = period


def refusal(period: ClosedPeriod) -> str:
    return _(
        "%(period)s is closed for reporting: %(name)s closed it on %(date)s. To change "
        "anything dated in it, ask %(name)s or another administrator to reopen it."
    ) % {
        "period": period.label,
        "name": person_name(period.closed_by),
        "date": formats.date_format(timezone.localtime(period.created_at), "SHORT_DATE_FORMAT"),
    }


@dataclass(frozen=True)
class ClosedPeriods:
    """The periods closed now, read once."""

    periods: tuple[ClosedPeriod, ...]

    @classmethod
    def load(cls) -> ClosedPeriods:
        closed = ClosedPeriod.objects.filter(reopened_at__isnull=True).select_related("closed_by")
        return cls(tuple(closed))

    def covering(self, day: datetime.date | None) -> ClosedPeriod | None:
        if day is None:
            return None
        return next((p for p in self.periods if p.first_day <= day <= p.last_day), None)

    def overlapping(self, first: datetime.date, last: datetime.date) -> ClosedPeriod | None:
        return next((p for p in self.periods if p.first_day <= last and first <= p.last_day), None)

    def ensure_open(self, *days: datetime.date | None) -> None:
        """Raise PeriodClosed if any of the days is in a closed period."""
        for day in days:
            if (period := self.covering(day)) is not None:
                raise PeriodClosed(period)


def ensure_open(*days: datetime.date | None) -> None:
    """Refuse a write dated on any of the days (e.g. an activity's saved date and its new
    one) if one of them is in a closed period."""
    ClosedPeriods.load().ensure_open(*days)


def notice(day: datetime.date | None) -> str:
    """What to tell someone about to change a row dated on the day, before they try: the
    refusal, if the day is in a closed period; else ""."""
    period = ClosedPeriods.load().covering(day)
    return refusal(period) if period is not None else ""


def closed_periods() -> Iterable[ClosedPeriod]:
    """Every period ever closed, the latest first, with who closed and reopened it."""
    return ClosedPeriod.objects.select_related("closed_by", "reopened_by")


@transaction.atomic
def period_close(
    *, user: User, first_day: datetime.date, last_day: datetime.date, reason: str
) -> ClosedPeriod:
    """Close the days from first_day to last_day; refused if some of them are closed already."""
    already = ClosedPeriods(
        tuple(
            ClosedPeriod.objects.select_for_update()
            .filter(reopened_at__isnull=True)
            .select_related("closed_by")
        )
    )
    if (period := already.overlapping(first_day, last_day)) is not None:
        raise ValidationError(
            _("%(period)s is closed already; reopen it first to close a different range.")
            % {"period": period.label},
            code="overlap",
        )
    period = ClosedPeriod(first_day=first_day, last_day=last_day, reason=reason, closed_by=user)
    period.full_clean()
    period.save()
    return period


@transaction.atomic
def period_reopen(*, user: User, period_id: int, reason: str) -> ClosedPeriod:
    period = ClosedPeriod.objects.select_for_update().get(pk=period_id)
    if not period.is_closed:
        raise ValidationError(_("This period has been reopened already."), code="reopened")
    period.reopened_at = timezone.now()
    period.reopened_by = user
    period.reopen_reason = reason
    period.full_clean()
    period.save()
    return period

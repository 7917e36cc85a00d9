"""The window of dates the app accepts: from a configurable first year to a few years ahead.

A date far outside it is a typing error (0001-01-01, 20255-03-01), and one such date would
stretch every metric's history over centuries of empty periods.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext


def first_accepted_date() -> datetime.date:
    return datetime.date(settings.DATES_FIRST_YEAR, 1, 1)


def last_accepted_date() -> datetime.date:
    return datetime.date(timezone.localdate().year + settings.DATES_YEARS_AHEAD, 12, 31)


def validate_date_in_window(value: datetime.date) -> None:
    """Refuse a date before the first accepted year or more than a few years ahead."""
    first, last = first_accepted_date(), last_accepted_date()
    if not first <= value <= last:
        raise ValidationError(
            gettext("Give a date between %(first)s and %(last)s.")
            % {
                "first": formats.date_format(first, "SHORT_DATE_FORMAT"),
                "last": formats.date_format(last, "SHORT_DATE_FORMAT"),
            },
            code="date_out_of_window",
        )

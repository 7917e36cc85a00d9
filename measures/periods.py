"""Calendar periods (months, quarters, years), each named by its first day.

Activities and signals carry a calendar date already in Helsinki time, so a period is a plain
date range: no time-zone conversion is needed to put a row in its month.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from functools import cache

from measures.models import Period

MONTHS_IN = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}


def period_start(day: datetime.date, period: str) -> datetime.date:
    """The first day of the period that contains day."""
    if period == Period.YEAR:
        return day.replace(month=1, day=1)
    if period == Period.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def next_period(start: datetime.date, period: str) -> datetime.date:
    months = start.month - 1 + MONTHS_IN[Period(period)]
    return datetime.date(start.year + months // 12, months % 12 + 1, 1)


@cache
def period_end(start: datetime.date, period: str) -> datetime.date:
    """The last day of the period that starts on start (remembered: pages ask for the same
    few hundred periods thousands of times)."""
    return next_period(start, period) - datetime.timedelta(days=1)


def periods_between(
    first: datetime.date, last: datetime.date, period: str
) -> Iterator[datetime.date]:
    """The starts of the periods from the one containing first to the one containing last."""
    start = period_start(first, period)
    while start <= last:
        yield start
        start = next_period(start, period)


def is_period_start(day: datetime.date, period: str) -> bool:
    return period_start(day, period) == day


def period_label(start: datetime.date, period: str) -> str:
    """E.g. 2025, 2025 Q1, 3/2025: short, and the same in every language."""
    if period == Period.YEAR:
        return str(start.year)
    if period == Period.QUARTER:
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return f"{start.month}/{start.year}"

"""What the log tells the apps that depend on it when many activities change at once.

A save or a delete of one activity sends Django's model signals, which the measures app listens
to. An import writes thousands of rows with bulk inserts, which send none, and an undone import
deletes them together: inside `bulk_write()` the per-row signals are to be ignored, and when the
rows are written `activities_bulk_changed` names the days they are dated on, once.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterable, Iterator
from contextvars import ContextVar

from django.dispatch import Signal

from neighbourhoods.models import Activity

# Sent with days=[the days of the activities added or removed], inside their transaction.
activities_bulk_changed = Signal()

_in_bulk_write: ContextVar[bool] = ContextVar("in_bulk_write", default=False)


@contextlib.contextmanager
def bulk_write() -> Iterator[None]:
    token = _in_bulk_write.set(True)
    try:
        yield
    finally:
        _in_bulk_write.reset(token)


def in_bulk_write() -> bool:
    return _in_bulk_write.get()


def announce(days: Iterable[datetime.date]) -> None:
    days = sorted(set(days))
    if days:
        activities_bulk_changed.send(sender=Activity, days=days)

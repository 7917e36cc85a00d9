"""The activity list as a spreadsheet: one definition of the columns, written as CSV or XLSX.

Both formats read the activities in chunks (`CHUNK_SIZE`), each chunk with one query per
related table, so the memory an export takes and its queries per row do not grow with the
number of rows.
"""

from __future__ import annotations

import csv
import datetime
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.db.models import Field, Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from goals.models import Goal, InequalityTheme, Means
from kalliola.people import person_name
from neighbourhoods.models import AGE_BANDS, Activity, Area, Partner

CHUNK_SIZE = 2000
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
# Excel reads a CSV file as UTF-8 only when it starts with a byte order mark.
BOM = "\ufeff"
# A spreadsheet takes a cell that starts with one of these for a formula; the text comes from
# users, so a CSV cell that does is prefixed with an apostrophe (OWASP "CSV injection").
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# The CSV is sent in pieces of about this many characters rather than one per row.
CSV_PIECE = 64 * 1024

Value = str | int | Decimal | datetime.date | datetime.datetime | None


@dataclass(frozen=True)
class Column:
    label: str | Promise
    value: Callable[[Activity], Value]
    width: int = 14  # in characters, for the XLSX file


def _label(field_name: str) -> Promise:
    """The column heading of a model field: its translated verbose name."""
    field = cast("Field[Any, Any]", Activity._meta.get_field(field_name))
    return cast(Promise, capfirst(field.verbose_name))


def _field(field_name: str, width: int = 14) -> Column:
    return Column(_label(field_name), lambda activity: getattr(activity, field_name), width)


def _basic_district(area: Area) -> str:
    """The basic district an area is in: its parent if it is a sub-district."""
    if area.level == Area.Level.SUB_DISTRICT and area.parent is not None:
        return area.parent.name
    if area.level == Area.Level.BASIC_DISTRICT:
        return area.name
    return ""


# Where activities_for_export puts the rows of each many-to-many relation.
_TO_ATTR = {
    relation: f"{relation}_for_export"
    for relation in ("goals", "means", "themes", "partners", "organisers")
}


def _linked(activity: Activity, relation: str) -> list[Any]:
    return getattr(activity, _TO_ATTR[relation])


def _organisers(activity: Activity) -> str:
    return "; ".join(map(person_name, _linked(activity, "organisers")))


def _created_at(activity: Activity) -> datetime.datetime:
    # A spreadsheet has no time zones: the time is written as it was in Helsinki.
    return timezone.localtime(activity.created_at).replace(tzinfo=None)


COLUMNS: tuple[Column, ...] = (
    Column(_("ID"), lambda activity: activity.pk, 8),
    _field("date", 12),
    _field("end_date", 12),
    Column(_label("status"), lambda activity: activity.get_status_display(), 10),
    _field("title", 40),
    Column(_label("area"), lambda activity: activity.area.name, 20),
    Column(Area.Level.BASIC_DISTRICT.label, lambda activity: _basic_district(activity.area), 20),
    Column(_label("type"), lambda activity: activity.type.name, 20),
    Column(_label("unit"), lambda activity: activity.unit.name, 24),
    Column(_label("project"), lambda a: a.project.name if a.project else None, 24),
    Column(_label("goals"), lambda a: ", ".join(str(g.number) for g in _linked(a, "goals"))),
    Column(
        _label("means"),
        lambda a: "; ".join(f"{m.goal.number}.{m.position}" for m in _linked(a, "means")),
    ),
    Column(_label("themes"), lambda a: "; ".join(t.name for t in _linked(a, "themes")), 30),
    Column(_label("partners"), lambda a: "; ".join(p.name for p in _linked(a, "partners")), 30),
    Column(_label("organisers"), _organisers, 24),
    *(_field(band) for band in AGE_BANDS),
    _field("participants_total"),
    _field("new_participants"),
    _field("volunteers"),
    _field("volunteer_hours"),
    _field("description", 60),
    _field("heard", 60),
    Column(_label("created_at"), _created_at, 20),
)


def activities_for_export(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The given activities with every related row the columns read, in the list's order.

    The many-to-many rows are prefetched into plain lists (`to_attr`) with only the fields the
    columns show: Django otherwise keeps a queryset per activity and relation, which, with full
    rows, tripled the memory a chunk of 2,000 activities takes (see bench/export_activities.py).
    """
    users = get_user_model().objects.only("username", "first_name", "last_name")
    means = Means.objects.select_related("goal").only("position", "goal__number")
    return (
        activities.select_related("area__parent", "type", "unit", "project")
        .prefetch_related(None)
        .prefetch_related(
            Prefetch("goals", Goal.objects.only("number").order_by("number"), _TO_ATTR["goals"]),
            Prefetch("means", means.order_by("goal__number", "position"), _TO_ATTR["means"]),
            Prefetch("themes", InequalityTheme.objects.order_by("position"), _TO_ATTR["themes"]),
            Prefetch("partners", Partner.objects.order_by("name"), _TO_ATTR["partners"]),
            Prefetch("organisers", users.order_by("username"), _TO_ATTR["organisers"]),
        )
    )


def header() -> list[str]:
    return [str(column.label) for column in COLUMNS]


def rows(activities: QuerySet[Activity]) -> Iterator[list[Value]]:
    """One list of values per activity, read a chunk at a time."""
    for activity in activities_for_export(activities).iterator(chunk_size=CHUNK_SIZE):
        yield [column.value(activity) for column in COLUMNS]


def filename(extension: str) -> str:
    return f"activities-{timezone.localdate():%Y-%m-%d}.{extension}"


# CSV


class _Echo:
    """A file-like object whose write() hands back what it was given, to stream csv.writer."""

    def write(self, value: str) -> str:
        return value


def _csv_value(value: Value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, str):
        return f"'{value}" if FORMULA_START.match(value) else value
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, int):
        return value
    return str(value)  # a date as YYYY-MM-DD, a Decimal with a decimal point


def csv_pieces(activities: QuerySet[Activity]) -> Iterator[str]:
    """The activities as CSV text with a byte order mark, in pieces to stream."""
    # The rows are read while the response is sent, after the view has returned: keep the
    # language (headings, status labels, translated names) that the request asked for.
    return _csv_pieces(activities, translation.get_language())


def _csv_pieces(activities: QuerySet[Activity], language: str | None) -> Iterator[str]:
    writer = csv.writer(_Echo())
    with translation.override(language):
        pending = [BOM, writer.writerow(header())]
        size = 0
        for row in rows(activities):
            line = writer.writerow([_csv_value(value) for value in row])
            pending.append(line)
            size += len(line)
            if size >= CSV_PIECE:
                yield "".join(pending)
                pending, size = [], 0
        yield "".join(pending)


# XLSX


def _xlsx_value(sheet: object, value: Value) -> object:
    if not isinstance(value, str):
        return value
    # Control characters other than tab and newline are not allowed in an XLSX file.
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    if text.startswith("="):
        # openpyxl writes such a string as a formula; users' text must stay text.
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell
    return text


def _bold(sheet: object, label: str, font: Font) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=label)
    cell.font = font
    return cell


def xlsx_write(activities: QuerySet[Activity], file: IO[bytes]) -> None:
    """Write the activities to `file` as an XLSX workbook, one row at a time."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(capfirst(Activity._meta.verbose_name_plural))[:31])
    for number, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = column.width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([_bold(sheet, label, bold) for label in header()])
    for row in rows(activities):
        sheet.append([_xlsx_value(sheet, value) for value in row])
    workbook.save(file)

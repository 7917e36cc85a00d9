"""Activities from spreadsheets: read an XLSX or CSV file, check every row by the rules of the
activity form (rules.py and the model fields' validators), and import the rows as a whole or
not at all.

A file is read twice, as a stream, never held as rows in memory: once to check it (nothing is
written; the batch keeps the counts and the first errors), and again to import it, when every
row is checked again in the same transaction that writes it, so that what was true at the
preview (a period still open, a name still there) is true at the commit. Names are matched
against lists read once per file (`Names`), and rows are written in chunks with bulk inserts:
the queries per row stay constant however long the file.

Hostile files get a `FileProblem` with a message for the user: a file that is not an XLSX
workbook or a CSV text, macros, a zip that unpacks far larger than it is, too many rows. Cells
are read as values; a formula is an error of its row, never evaluated. openpyxl parses the
workbook's XML with defusedxml, which is installed for it.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import itertools
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl.utils.datetime import from_excel

from goals.models import Goal
from neighbourhoods import rules, selectors
from neighbourhoods.closing import ClosedPeriods
from neighbourhoods.forms import area_label, means_label
from neighbourhoods.models import AGE_BANDS, Activity, ActivityType, Area, Partner, Project, Unit

# A zip (an XLSX file) that unpacks to more than this, or more than this many times its size,
# is refused before it is opened: a "zip bomb" would otherwise fill the memory.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_UNPACK_RATIO = 100
# Longer than any cell the form accepts (5,000 characters); a CSV cell beyond it is refused.
MAX_CELL_CHARACTERS = 100_000
# Errors and duplicates kept on the batch to show; the counts are of all.
SHOWN_PROBLEMS = 200
# Rows written per bulk insert.
CHUNK_ROWS = 500


class FileProblem(Exception):
    """The file as a whole cannot be read; the message says why, for the user."""


# --- Columns --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: translated when read
    kind: str
    required: bool = False

    def header(self) -> str:
        return capfirst(str(self.label))


def _field_label(name: str) -> Any:
    return getattr(Activity._meta.get_field(name), "verbose_name", name)


COLUMNS: tuple[Column, ...] = (
    Column("title", _field_label("title"), "text", required=True),
    Column("date", _field_label("date"), "date", required=True),
    Column("end_date", _field_label("end_date"), "date"),
    Column("start_time", _field_label("start_time"), "time"),
    Column("end_time", _field_label("end_time"), "time"),
    Column("status", _field_label("status"), "status"),
    Column("area", _field_label("area"), "area", required=True),
    Column("type", _field_label("type"), "type", required=True),
    Column("unit", _field_label("unit"), "unit"),
    Column("goals", _field_label("goals"), "goals", required=True),
    Column("means", pgettext_lazy("plural", "means"), "means"),
    Column("themes", _field_label("themes"), "themes"),
    *(Column(band, _field_label(band), "count") for band in AGE_BANDS),
    Column("new_participants", _field_label("new_participants"), "count"),
    Column("volunteers", _field_label("volunteers"), "count"),
    Column("volunteer_hours", _field_label("volunteer_hours"), "hours"),
    Column("partners", _field_label("partners"), "partners"),
    Column("project", _field_label("project"), "project"),
    Column("description", _field_label("description"), "text"),
    Column("heard", _field_label("heard"), "text"),
    Column("organisers", _field_label("organisers"), "organisers"),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
MULTIPLE = {"goals", "means", "themes", "partners", "organisers"}
LANGUAGES = ("fi", "sv", "en")


def columns_for(user: User) -> list[Column]:
    """The template's columns: organisers only for those who import for others."""
    if can_import_for_any_unit(user):
        return list(COLUMNS)
    return [column for column in COLUMNS if column.key != "organisers"]


def can_import_for_any_unit(user: User) -> bool:
    return user.has_perm("neighbourhoods.import_for_any_unit")


def units_to_import_for(user: User) -> QuerySet[Unit]:
    """Leadership and admins import for any active unit; others for the units they log for."""
    if can_import_for_any_unit(user):
        return Unit.objects.filter(is_active=True)
    return selectors.units_for(user=user)


def normal(text: Any) -> str:
    """A name as compared: case, spacing and the kind of dash do not matter."""
    text = unicodedata.normalize("NFKC", str(text)).casefold()
    text = re.sub(r"[‐-―−]", "-", text)
    return " ".join(text.split())


def _header_index() -> dict[str, str]:
    """Every column's heading in Finnish, Swedish and English (and its key), normalised."""
    index: dict[str, str] = {}
    for column in COLUMNS:
        index[normal(column.key)] = column.key
        for language in LANGUAGES:
            with translation.override(language):
                index[normal(column.header())] = column.key
    return index


# --- Reading files --------------------------------------------------------------------------

Cell = Any  # a value as read: str, int, float, datetime, time, or None
FORMULA = object()  # a cell holding a formula, which is not evaluated


def read_rows(content: bytes, file_name: str) -> Iterator[tuple[int, list[Cell]]]:
    """The file's rows as (row number, cells), the heading row first; blank rows skipped.
    Raises FileProblem for a file that cannot be read, and for too many rows."""
    name = file_name.lower()
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise FileProblem(
            _("Workbooks with macros (.xlsm) are not accepted. Save the file as .xlsx.")
        )
    if not content:
        raise FileProblem(_("The file is empty."))
    if content.startswith(b"PK"):
        rows = _xlsx_rows(content)
    elif name.endswith(".xlsx"):
        raise FileProblem(_("The file is not an Excel workbook, although its name ends in .xlsx."))
    elif name.endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise FileProblem(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
    limit = settings.IMPORT_MAX_ROWS
    count = 0
    for number, cells in rows:
        if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
            continue
        count += 1
        if count > limit + 1:  # the heading row and `limit` rows
            raise _too_many_rows()
        yield number, cells


def _too_many_rows() -> FileProblem:
    return FileProblem(
        _("The file has more than %(limit)s rows. Split it into smaller files.")
        % {"limit": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", "\u00a0")}
    )


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileProblem(_("The file is not an Excel workbook (.xlsx) that can be read.")) from exc
    names = {member.filename.lower() for member in members}
    if any(name.endswith("vbaproject.bin") for name in names):
        raise FileProblem(
            _("Workbooks with macros (.xlsm) are not accepted. Save the file as .xlsx.")
        )
    if _unpacks_too_large(members, len(content)):
        raise FileProblem(
            _("The workbook unpacks to far more data than a spreadsheet of activities holds.")
        )
    if "xl/workbook.xml" not in names:
        raise FileProblem(_("The file is not an Excel workbook (.xlsx) that can be read."))
    if _sheet_rows(archive) > settings.IMPORT_MAX_ROWS + 1:
        raise _too_many_rows()
    try:
        workbook = openpyxl.load_workbook(
            io.BytesIO(content), read_only=True, data_only=False, keep_links=False
        )
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(), start=1):
            yield number, [_xlsx_value(cell) for cell in row]
    except FileProblem:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged or hostile file
        raise FileProblem(_("The workbook could not be read; it may be damaged.")) from exc


def _unpacks_too_large(members: list[zipfile.ZipInfo], size: int) -> bool:
    unpacked = sum(member.file_size for member in members)
    return unpacked > MAX_UNPACKED_BYTES or (
        unpacked > 10 * 1024 * 1024 and unpacked > MAX_UNPACK_RATIO * size
    )


ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
DIMENSION = re.compile(rb"<(?:\w+:)?dimension ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")


def _sheet_rows(archive: zipfile.ZipFile) -> int:
    """The rows of the workbook's first sheet, from its size tag (written by Excel and
    LibreOffice) or else by counting its rows as the XML streams past, without parsing it."""
    sheets = sorted(
        name for name in archive.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name)
    )
    if not sheets:
        return 0
    first = "xl/worksheets/sheet1.xml"
    with archive.open(first if first in sheets else sheets[0]) as sheet:
        head = sheet.read(4096)
        if match := DIMENSION.search(head):
            return int(match[1] or 1)
        count, tail, chunk = 0, b"", head
        while chunk:
            # The last bytes of the text before are read again with the chunk, for a row tag
            # split between the two; a tag wholly inside them was counted already.
            joined = tail + chunk
            count += len(ROW_TAG.findall(joined)) - len(ROW_TAG.findall(tail))
            tail = joined[-8:]
            chunk = sheet.read(1024 * 1024)
        return count


def _xlsx_value(cell: Any) -> Cell:
    if getattr(cell, "data_type", None) == "f":
        return FORMULA
    return cell.value


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    if b"\0" in content[:65536]:
        raise FileProblem(_("The file is not a CSV text file."))
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:  # what Finnish Excel writes as "CSV (semicolon separated)"
            text = content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise FileProblem(
                _("The file's characters could not be read; save it as CSV UTF-8.")
            ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    number = 0
    try:  # count first: a file with too many rows is refused before a row is checked
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        if sum(1 for _row in itertools.islice(rows, settings.IMPORT_MAX_ROWS + 2)) > (
            settings.IMPORT_MAX_ROWS + 1
        ):
            raise _too_many_rows()
    except csv.Error:
        pass  # reported at its row below
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, [cell if cell.strip() else None for cell in row]
    except csv.Error as exc:
        raise FileProblem(
            _(
                "Row %(row)s of the file could not be read: a cell is too long or a quote is "
                "not closed."
            )
            % {"row": number + 1}
        ) from exc


csv.field_size_limit(MAX_CELL_CHARACTERS + 1)


def estimated_rows(content: bytes, file_name: str) -> int:
    """About how many rows the file has, read cheaply, to decide where it is processed."""
    if not content.startswith(b"PK"):
        return content.count(b"\n")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        if _unpacks_too_large(archive.infolist(), len(content)):
            return 0  # refused by the check, at once
        return _sheet_rows(archive)
    except (zipfile.BadZipFile, ValueError, OSError, KeyError):
        return 0  # read properly (and refused) by the check


# --- Names ------------------------------------------------------------------------------------


def _names_in_languages(obj: Any, field_name: str) -> list[str]:
    return [
        value
        for language in LANGUAGES
        if (value := getattr(obj, f"{field_name}_{language}", None) or getattr(obj, field_name))
    ]


class Names:
    """What a cell may name, read once per file: each name in every language, with its
    codes and numbers, normalised."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.any_unit = can_import_for_any_unit(user)
        self.areas: dict[str, Area] = {}
        for area in selectors.areas_for_logging().select_related("parent"):
            # Its names, its codes, and its label in the form ("Harju (Kallio)").
            keys = [*_names_in_languages(area, "name"), area.code, area.short_code]
            for key in [*keys, area_label(area)]:
                if key:
                    self.areas.setdefault(normal(key), area)
        self.types = self._index(ActivityType.objects.filter(is_active=True), "name")
        units = units_to_import_for(user)
        self.units = self._index(units, "name")
        self.other_units = self._index(Unit.objects.exclude(pk__in=units.values("pk")), "name")
        self.only_unit = selectors.only_unit_of(user=user)
        self.goals: dict[str, Goal] = {}
        # The whole names of the columns that take several, as the template's lists give them
        # ("2 Kalliola kokoaa yhteisön, yhdessä …"): a comma in one of them separates nothing.
        goal_labels: set[str] = set()
        for goal in selectors.active_strategy_goals():
            titles = _names_in_languages(goal, "title")
            for key in [str(goal.number), *titles]:
                self.goals.setdefault(normal(key), goal)
            goal_labels.update(
                normal(label) for title in titles for label in (title, f"{goal.number} {title}")
            )
        self.means: dict[str, Any] = {}
        means_labels: set[str] = set()
        for means in selectors.active_strategy_means():
            number = f"{means.goal.number}.{means.position}"
            self.means[number] = means
            means_labels.update(
                normal(f"{number} {text}") for text in _names_in_languages(means, "text")
            )
        self.themes = self._index(selectors.active_strategy_themes(), "name")
        self.partners = {normal(p.name): p for p in Partner.objects.all()}
        self.projects = {normal(p.name): p for p in Project.objects.all()}
        self.people: dict[str, list[User]] = {}
        if self.any_unit:
            for person in get_user_model().objects.filter(is_active=True):
                names = {person.get_username(), person.email, person.get_full_name()}
                for key in filter(None, names):
                    self.people.setdefault(normal(key), []).append(person)
        self.whole: dict[str, set[str]] = {
            "goals": goal_labels,
            "means": means_labels,
            "themes": set(self.themes),
            "partners": set(self.partners),
            "organisers": set(self.people),
        }
        # The statuses by their labels, and by the words a spreadsheet is likely to use.
        self.statuses: dict[str, str] = dict.fromkeys(  # type: ignore[assignment]
            ("tehty", "pidetty", "valmis", "genomförd", "utförd", "klar"), Activity.Status.DONE
        ) | dict.fromkeys(("tuleva", "kommande"), Activity.Status.PLANNED)
        for value, _label in Activity.Status.choices:
            self.statuses[value] = value
            for language in LANGUAGES:
                with translation.override(language):
                    self.statuses[normal(Activity.Status(value).label)] = value
        # The names of the columns that name one thing from a list.
        self.by_kind: dict[str, dict[str, Any]] = {
            "area": self.areas,
            "type": self.types,
            "unit": self.units,
            "themes": self.themes,
            "partners": self.partners,
            "project": self.projects,
        }

    @staticmethod
    def _index(objects: Iterable[Any], field_name: str) -> dict[str, Any]:
        index: dict[str, Any] = {}
        for obj in objects:
            for key in _names_in_languages(obj, field_name):
                index.setdefault(normal(key), obj)
        return index


# --- Cells to values ------------------------------------------------------------------------


class CellError(Exception):
    pass


# What to say of a name that is not in its column's list.
NOT_FOUND = {
    "area": gettext_lazy("No area “%(value)s”: write the name of a district or its code."),
    "type": gettext_lazy("No activity type “%(value)s”: see the list in the template."),
    "unit": gettext_lazy("No unit “%(value)s”: see the list in the template."),
    "themes": gettext_lazy("No inequality theme “%(value)s”: see the list in the template."),
    "partners": gettext_lazy("No partner “%(value)s”: an administrator adds new partners."),
    "project": gettext_lazy("No project “%(value)s”: an administrator adds new projects."),
}


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat() if cell.time() == datetime.time() else cell.isoformat()
    return str(cell).strip()


def _shown(text: str) -> str:
    """A cell's text in an error message: short, so that a huge cell stays out of the page."""
    return text if len(text) <= 60 else f"{text[:57]}…"


DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%y", "%Y/%m/%d")


def parse_date(cell: Cell) -> datetime.date | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime.datetime):
        return cell.date()
    if isinstance(cell, datetime.date):
        return cell
    if isinstance(cell, int | float) and not isinstance(cell, bool) and 1 <= cell < 2958466:
        return from_excel(cell).date()  # an Excel date left without a date format
    text = _text(cell)
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise CellError(
        _("“%(value)s” is not a date: write it as 31.12.2025.") % {"value": _shown(text)}
    )


def parse_time(cell: Cell) -> datetime.time | None:
    if cell is None or cell == "":
        return None
    if isinstance(cell, datetime.datetime):
        return cell.time()
    if isinstance(cell, datetime.time):
        return cell
    if isinstance(cell, float) and 0 <= cell < 1:  # an Excel time without a time format
        return from_excel(cell).time() if cell else datetime.time()
    text = _text(cell)
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?", text)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return datetime.time(int(match[1]), int(match[2]))
    raise CellError(_("“%(value)s” is not a time: write it as 14:30.") % {"value": _shown(text)})


def parse_count(cell: Cell) -> int:
    if cell is None or cell == "":
        return 0
    if isinstance(cell, bool):
        raise CellError(_("Not a whole number."))
    if isinstance(cell, int):
        number = cell
    elif isinstance(cell, float) and cell.is_integer():
        number = int(cell)
    else:
        text = _text(cell).replace("\u00a0", "").replace(" ", "")
        if not re.fullmatch(r"[+-]?\d+", text):
            raise CellError(
                _("“%(value)s” is not a whole number.") % {"value": _shown(_text(cell))}
            )
        number = int(text)
    if number < 0:
        raise CellError(_("A count cannot be negative."))
    return number


def parse_hours(cell: Cell) -> Decimal:
    if cell is None or cell == "":
        return Decimal(0)
    text = _text(cell).replace("\u00a0", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise CellError(
            _("“%(value)s” is not a number of hours.") % {"value": _shown(_text(cell))}
        ) from exc
    if not number.is_finite() or number < 0:
        raise CellError(_("A number of hours cannot be negative."))
    return number.quantize(Decimal("0.1")) if number == number.quantize(Decimal("0.1")) else number


# The columns whose cells are values, not names.
PARSERS: dict[str, Callable[[Cell], Any]] = {
    "date": parse_date,
    "time": parse_time,
    "count": parse_count,
    "hours": parse_hours,
    "text": _text,
}


def _split(cell: Cell, *, means: bool = False) -> list[str]:
    text = _text(cell)
    if means and re.fullmatch(r"\d+,\d+", text):  # "2,3" is means 2.3 written the Finnish way
        return [text.replace(",", ".")]
    return [part.strip() for part in re.split(r"[;\n]|,\s*(?=\D)|,(?=\s)", text) if part.strip()]


# --- Rows -------------------------------------------------------------------------------------


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column heading, message)
    key: str = ""
    error_keys: set[str] = field(default_factory=set)  # the columns in errors

    def error(self, key: str, message: str) -> None:
        column = COLUMN_BY_KEY.get(key)
        self.errors.append((column.header() if column else "", message))
        self.error_keys.add(key)

    def failed(self, key: str) -> bool:
        """Whether the column already has an error in this row."""
        return key in self.error_keys


class Reader:
    """Turns the rows of one file into checked activity values, by the names read once."""

    def __init__(self, user: User, *, closed: ClosedPeriods | None = None) -> None:
        self.user = user
        self.names = Names(user)
        self.closed = closed or ClosedPeriods.load()
        self.today = timezone.localdate()
        self.columns: list[str | None] = []

    def read_header(self, cells: Sequence[Cell]) -> None:
        index = _header_index()
        self.columns = [
            index.get(normal(_text(cell))) if cell is not None else None for cell in cells
        ]
        found = set(filter(None, self.columns))
        missing = [
            COLUMN_BY_KEY[c.key].header() for c in COLUMNS if c.required and c.key not in found
        ]
        if not found:
            raise FileProblem(
                _(
                    "The first row must hold the column headings of the import template; none "
                    "of them was recognised. Download the template and copy your rows into it."
                )
            )
        if missing:
            raise FileProblem(
                _(
                    "The file has no column for: %(columns)s. Download the template and copy "
                    "your rows into it."
                )
                % {"columns": ", ".join(missing)}
            )

    def read(self, number: int, cells: Sequence[Cell]) -> Row:
        row = Row(number)
        raw = {
            key: cells[i] if i < len(cells) else None for i, key in enumerate(self.columns) if key
        }
        for key, cell in raw.items():
            if cell is FORMULA:
                row.error(
                    key,
                    _(
                        "The cell holds a formula. Paste its value instead "
                        "(Paste special → Values)."
                    ),
                )
                continue
            try:
                row.values[key] = self._value(key, cell)
            except CellError as exc:
                row.error(key, str(exc))
        self._defaults(row)
        self._check(row)
        if not row.errors:
            row.key = row_key(row.values)
        return row

    def _value(self, key: str, cell: Cell) -> Any:
        kind = COLUMN_BY_KEY[key].kind
        if kind in PARSERS:
            return PARSERS[kind](cell)
        if kind in MULTIPLE:
            return [self._one(kind, part) for part in self._parts(kind, cell)]
        text = _text(cell)
        return self._one(kind, text) if text else None

    def _parts(self, kind: str, cell: Cell) -> list[str]:
        """The names in a cell of a column that takes several: separated by semicolons or new
        lines, and by commas within a part that is not one whole name of the template's list
        (a goal's title, a means' text or a partner's name may have a comma in it)."""
        whole = self.names.whole[kind]
        parts: list[str] = []
        for piece in re.split(r"[;\n]", _text(cell)):
            if normal(piece) in whole:
                parts.append(piece.strip())
            elif piece.strip():
                parts.extend(_split(piece, means=kind == "means"))
        return parts

    def _one(self, kind: str, text: str) -> Any:
        names = self.names
        key = normal(text)
        if kind == "means":
            match = re.match(r"(\d+)[.,](\d+)", key)
            if match and (found := names.means.get(f"{int(match[1])}.{int(match[2])}")):
                return found
            raise CellError(
                _("No means “%(value)s” in the strategy: write its number, e.g. 2.3.")
                % {"value": _shown(text)}
            )
        if kind == "goals":
            match = re.match(r"(?:[^\d\s]+\s+)?(\d+)(?:\s|$)", key)  # 2, Goal 2, 2 Title
            goal = names.goals.get(key) or (names.goals.get(match[1]) if match else None)
            if goal:
                return goal
            raise CellError(
                _("No strategic goal “%(value)s”: write its number, e.g. 2.")
                % {"value": _shown(text)}
            )
        if kind == "organisers":
            people = names.people.get(key, [])
            if len(people) == 1:
                return people[0]
            if people:
                raise CellError(
                    _("More than one person is called “%(value)s”: write their user name instead.")
                    % {"value": _shown(text)}
                )
            raise CellError(
                _("No user “%(value)s”: write a user name or an e-mail address.")
                % {"value": _shown(text)}
            )
        if kind == "status":
            if key in names.statuses:
                return names.statuses[key]
            raise CellError(
                _("“%(value)s” is not a status: write done or planned.") % {"value": _shown(text)}
            )
        if kind == "unit" and key in names.other_units and key not in names.units:
            raise CellError(
                _("You do not log activities for the unit “%(value)s”.") % {"value": _shown(text)}
            )
        if (found := names.by_kind[kind].get(key)) is not None:
            return found
        raise CellError(NOT_FOUND[kind] % {"value": _shown(text)})

    def _defaults(self, row: Row) -> None:
        values = row.values
        for column in COLUMNS:
            if column.key in values:
                continue
            if column.key in MULTIPLE:
                values[column.key] = []
            elif column.kind == "count":
                values[column.key] = 0
            elif column.kind == "hours":
                values[column.key] = Decimal(0)
            elif column.kind == "text":
                values[column.key] = ""
            else:
                values[column.key] = None
        if not values.get("status") and not row.failed("status"):
            values["status"] = Activity.Status.DONE
        if values.get("unit") is None and not row.failed("unit"):
            values["unit"] = self.names.only_unit
        if not self.names.any_unit:
            organisers = values.get("organisers") or []
            if any(person.pk != self.user.pk for person in organisers):
                row.error("organisers", _("You can import only activities you organised."))
            values["organisers"] = [self.user]
        elif not values.get("organisers") and not row.failed("organisers"):
            values["organisers"] = [self.user]

    def _check(self, row: Row) -> None:
        """Every rule of the form, for the cells that could be read (those that could not
        have their error already): a row's errors are reported all at once."""
        unread = set(row.error_keys)
        values = row.values
        for column in COLUMNS:
            if column.required and column.key not in unread and not values.get(column.key):
                row.error(column.key, _("This column must be filled in."))
        if values.get("unit") is None and "unit" not in unread:
            row.error("unit", _("This column must be filled in: you log for more than one unit."))
        activity = build(values, user=self.user)
        try:
            activity.clean_fields(
                exclude=["area", "type", "unit", "project", "created_by", "import_batch", *unread]
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    row.error(name, message)
        readable = {key: value for key, value in values.items() if key not in unread}
        problems = rules.activity_problems(readable, closed=self.closed, today=self.today)
        for name, messages in problems.items():
            for message in messages:
                row.error(name, message)


PLAIN_FIELDS = [c.key for c in COLUMNS if c.key not in MULTIPLE]


def build(
    values: dict[str, Any], *, user: User, batch_id: int | None = None, key: str = ""
) -> Activity:
    """The activity of a checked row, unsaved."""
    activity = Activity(created_by=user, import_batch_id=batch_id, import_key=key)
    for name in PLAIN_FIELDS:
        setattr(activity, name, values[name])
    return activity


def row_key(values: dict[str, Any]) -> str:
    """A fingerprint of what a row says: equal rows, in one file or in two, have equal keys."""

    def plain(value: Any) -> Any:
        if isinstance(value, list):
            return sorted(item.pk for item in value)
        if hasattr(value, "pk"):
            return value.pk
        if isinstance(value, datetime.date | datetime.time | Decimal):
            return str(value)
        return value

    data = {key: plain(values.get(key)) for key in COLUMN_BY_KEY}
    data["title"] = normal(data["title"])
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(encoded).hexdigest()


# --- The template -----------------------------------------------------------------------------


def _list_values(user: User) -> dict[str, list[str]]:
    """The valid names of each column with a list, in the current language."""
    return {
        "status": [str(label) for _value, label in Activity.Status.choices],
        "area": [area_label(a) for a in selectors.areas_for_logging().select_related("parent")],
        "type": [t.name for t in ActivityType.objects.filter(is_active=True)],
        "unit": [u.name for u in units_to_import_for(user)],
        "goals": [f"{g.number} {g.title}" for g in selectors.active_strategy_goals()],
        "means": [means_label(m) for m in selectors.active_strategy_means()],
        "themes": [t.name for t in selectors.active_strategy_themes()],
        "project": [p.name for p in Project.objects.order_by("name")],
        "partners": [p.name for p in Partner.objects.order_by("name")],
    }


def template_workbook(user: User, file: Any) -> None:
    """Write the import template to file: the columns in the user's language, with drop-down
    lists of the valid names from a second sheet, and whole-number checks on the counts."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Activities")[:31]
    lists = workbook.create_sheet(_("Valid names")[:31])
    columns = columns_for(user)
    sheet.append([column.header() for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    values = _list_values(user)
    last_row = settings.IMPORT_MAX_ROWS + 1
    list_column = 0
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = 40 if column.kind == "text" else 18
        cells = f"{letter}2:{letter}{last_row}"
        if column.key in values:
            list_column += 1
            list_letter = get_column_letter(list_column)
            names = values[column.key]
            lists.cell(row=1, column=list_column, value=column.header()).font = Font(bold=True)
            for row, name in enumerate(names, start=2):
                lists.cell(row=row, column=list_column, value=name)
            lists.column_dimensions[list_letter].width = 40
            if not names:
                continue
            source = (
                f"{quote_sheetname(lists.title)}!${list_letter}$2:${list_letter}${len(names) + 1}"
            )
            # Several goals, means, themes or partners go in one cell, separated by
            # semicolons: for those the list only suggests, it does not refuse.
            several = column.key in MULTIPLE
            validation = DataValidation(
                type="list",
                formula1=source,
                allow_blank=True,
                errorStyle="warning" if several else "stop",
                showErrorMessage=True,
                error=(
                    _("Separate several names with a semicolon (;).")
                    if several
                    else _("Choose a name from the list.")
                ),
            )
            validation.add(cells)
            sheet.add_data_validation(validation)
        elif column.kind == "count":
            validation = DataValidation(
                type="whole",
                operator="greaterThanOrEqual",
                formula1="0",
                allow_blank=True,
                showErrorMessage=True,
                error=_("A whole number, 0 or more."),
            )
            validation.add(cells)
            sheet.add_data_validation(validation)
    workbook.save(file)

"""Activities from spreadsheets, through the import pages: the template, the check (nothing
written, errors by row and column), the import as a whole, duplicates, undo, roles, and
every kind of hostile file answered with a clear message and nothing written.

Tests run in English where they read messages; the column headings are matched in Finnish,
Swedish and English alike.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from goals.models import Strategy
from kalliola.roles import LEADERSHIP, STAFF
from measures.models import StalePeriod
from neighbourhoods import imports, tasks
from neighbourhoods.models import Activity, Area, ImportBatch, ImportFile
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("neighbourhoods:activity_import")
HEADINGS = ["Title", "Date", "Area", "Type", "Strategic goals", "Means", "Participants aged 13–17"]


@pytest.fixture
def places(strategy: Strategy) -> dict[str, Any]:
    kallio = AreaFactory.create(
        name_fi="Kallio", name_sv="Berghäll", level=Area.Level.BASIC_DISTRICT, code="091301"
    )
    return {
        "kallio": kallio,
        "type": ActivityTypeFactory.create(name_fi="Kerho", name_sv="Klubb", name_en="Club"),
        "unit": UnitFactory.create(name_fi="Nuorisotyö"),
        "partner": PartnerFactory.create(name="Kallion seurakunta"),
    }


@pytest.fixture
def coordinator(places: dict[str, Any]) -> User:
    user = UserFactory.create(username="coordinator", role=STAFF)
    places["unit"].members.add(user)
    return user


@pytest.fixture
def client(client_for: Callable[[User], Client], coordinator: User) -> Client:
    client = client_for(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def row(title: str = "Nuorten kerho", **cells: Any) -> list[Any]:
    values = {
        "Date": "3.3.2025",
        "Area": "Kallio",
        "Type": "Kerho",
        "Strategic goals": "2",
        "Means": "2.3",
        "Participants aged 13–17": 5,
    } | cells
    return [title, *(values[heading] for heading in HEADINGS[1:])]


def xlsx(rows: Sequence[Sequence[Any]], headings: Sequence[str] = HEADINGS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(headings))
    for cells in rows:
        sheet.append(list(cells))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: Client, content: bytes, name: str = "activities.xlsx") -> ImportBatch | Any:
    response = client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, content)})
    if response.status_code != 302:
        return response
    return ImportBatch.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])


def confirm(client: Client, batch: ImportBatch) -> ImportBatch:
    client.post(reverse("neighbourhoods:import_batch_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    return batch


# --- The template -----------------------------------------------------------------------------


def test_template__lists_the_valid_names_with_drop_downs_in_the_users_language(
    client_for, coordinator, places
):
    client = client_for(coordinator)  # Finnish, the default
    response = client.get(reverse("neighbourhoods:activity_import_template"))

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet, names = workbook.worksheets
    headings = [cell.value for cell in sheet[1]]
    assert headings[:3] == ["Otsikko", "Päivämäärä", "Päättymispäivä"]
    # A staff member imports what she organised: there is no column for organisers.
    assert "Järjestäjät" not in headings
    listed = {cell.value for column in names.iter_cols() for cell in column}
    assert {"Kallio", "Kerho", "Nuorisotyö", "Kallion seurakunta"} <= listed
    assert any(str(value).startswith("2.3 ") for value in listed)
    area_column = openpyxl.utils.get_column_letter(headings.index("Alue") + 1)
    validations = {str(v.sqref).split(":")[0]: v for v in sheet.data_validations.dataValidation}
    assert validations[f"{area_column}2"].type == "list"
    assert names.title in validations[f"{area_column}2"].formula1


def test_template__has_an_organisers_column_for_leadership(client_for, places):
    client = client_for(UserFactory.create(role=LEADERSHIP))
    response = client.get(reverse("neighbourhoods:activity_import_template"))

    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert "Järjestäjät" in [cell.value for cell in workbook.worksheets[0][1]]


# --- Checking and importing -------------------------------------------------------------------


def test_import__a_file_with_errors_lists_them_by_row_and_column_and_saves_nothing(client):
    rows = [row(f"Kerho {n}") for n in range(5)]
    rows[2] = row("Kerho 2", **{"Participants aged 13–17": "13,5"})
    rows[4] = [*row("Kerho 4")[:5], "2.3", 5]
    rows[4][0] = "Soita 040 1234567"

    batch = upload(client, xlsx(rows))

    assert batch.status == ImportBatch.Status.INVALID
    assert batch.ready_rows == 3
    errors = {(error["row"], error["column"]) for error in batch.errors}
    assert errors == {(4, "Participants aged 13–17"), (6, "Title")}
    page = client.get(reverse("neighbourhoods:import_batch", args=[batch.pk])).content.decode()
    assert "“13,5” is not a whole number." in page
    assert "looks like a phone number" in page
    assert "Nothing was saved." in page
    assert not Activity.objects.exists()


def test_import__a_valid_file_is_imported_as_a_whole_after_the_confirmation(client, places):
    content = xlsx([row(f"Kerho {n}", Date=f"{n + 1}.3.2025") for n in range(4)])

    batch = upload(client, content)
    assert batch.status == ImportBatch.Status.READY
    assert batch.ready_rows == 4
    assert not Activity.objects.exists()  # nothing before the confirmation

    batch = confirm(client, batch)

    assert batch.status == ImportBatch.Status.DONE
    assert batch.imported == 4
    assert not ImportFile.objects.exists()  # the file is not kept once imported
    activities = Activity.objects.filter(import_batch=batch)
    assert activities.count() == 4
    activity = activities.get(title="Kerho 0")
    assert activity.area == places["kallio"]
    assert activity.unit == places["unit"]  # the coordinator's only unit
    assert [goal.number for goal in activity.goals.all()] == [2]
    assert [f"{m.goal.number}.{m.position}" for m in activity.means.all()] == ["2.3"]
    assert list(activity.organisers.all()) == [batch.created_by]
    assert activity.participants_13_17 == 5
    assert activity.status == Activity.Status.DONE
    detail = client.get(reverse("neighbourhoods:activity", args=[activity.pk])).content.decode()
    assert reverse("neighbourhoods:import_batch", args=[batch.pk]) in detail
    log = client.get(reverse("neighbourhoods:activities_mine"), {"batch": batch.pk})
    assert len(log.context["page"].object_list) == 4


def test_import__the_same_file_twice_imports_nothing_the_second_time(client):
    content = xlsx([row(f"Kerho {n}") for n in range(3)])
    confirm(client, upload(client, content))

    again = upload(client, content)

    assert again.status == ImportBatch.Status.READY
    assert again.ready_rows == 0
    assert again.duplicate_rows == 3
    assert "Imported already" in again.duplicates[0]["message"]
    confirm(client, again)
    assert Activity.objects.count() == 3


def test_import__a_row_repeated_in_the_file_is_reported_and_imported_once(client):
    batch = confirm(client, upload(client, xlsx([row("Sama"), row("Sama"), row("Toinen")])))

    assert batch.imported == 2
    assert batch.duplicates == [{"row": 3, "message": "Repeats row 2 of this file."}]


def test_import__names_match_as_a_person_types_them(client, places):
    rows = [
        row("A", Area="  KALLIO ", Type="klubb", **{"Strategic goals": "2; 3", "Means": "2,3"}),
        row("B", Area="091301", Type="Club", **{"Strategic goals": "Goal 2"}),
        row("C", Area="berghäll", Date="2025-03-04"),
    ]
    batch = upload(client, xlsx(rows))

    assert batch.status == ImportBatch.Status.READY, batch.errors
    assert batch.ready_rows == 3


def test_import__swedish_headings_are_recognised(client):
    with translation.override("sv"):
        keys = ["title", "date", "area", "type", "goals", "means", "participants_13_17"]
        headings = [imports.COLUMN_BY_KEY[key].header() for key in keys]

    batch = upload(client, xlsx([row("Klubb")], headings=headings))

    assert batch.status == ImportBatch.Status.READY, batch.errors or batch.problem


def test_import__the_rules_of_the_form_apply_to_every_row(client, strategy):
    rows = [
        row("Future", Date="1.1.2099"),  # outside the dates the app accepts
        row("Stray means", **{"Strategic goals": "1", "Means": "2.3"}),
        row("Too many new", **{"Participants aged 13–17": 1}),
        row("No goal", **{"Strategic goals": ""}),
        row("Unknown area", Area="Atlantis"),
    ]
    headings = [*HEADINGS, "New participants"]
    rows = [[*cells, 5 if cells[0] == "Too many new" else 0] for cells in rows]

    batch = upload(client, xlsx(rows, headings=headings))

    found = {(error["row"], error["column"]) for error in batch.errors}
    assert found == {
        (2, "Date"),
        (3, "Means"),
        (4, "New participants"),
        (5, "Strategic goals"),
        (6, "Area"),
    }
    assert not Activity.objects.exists()


def test_import__staff_cannot_import_for_a_unit_they_do_not_log_for(client):
    UnitFactory.create(name_fi="Aikuiskoulutus")
    headings = [*HEADINGS, "Unit"]

    batch = upload(client, xlsx([[*row(), "Aikuiskoulutus"]], headings=headings))

    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Unit")]


def test_import__leadership_imports_for_any_unit_with_the_organisers_column(client_for, places):
    leader = UserFactory.create(username="leader", role=LEADERSHIP)
    organiser = UserFactory.create(username="organiser", first_name="Olli", last_name="Ohjaaja")
    client = client_for(leader)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    headings = [*HEADINGS, "Unit", "Organisers"]

    batch = upload(client, xlsx([[*row(), "Nuorisotyö", "Olli Ohjaaja"]], headings=headings))
    assert batch.status == ImportBatch.Status.READY, batch.errors or batch.problem
    batch = confirm(client, batch)

    activity = Activity.objects.get(import_batch=batch)
    assert list(activity.organisers.all()) == [organiser]
    assert activity.created_by == leader


def test_import__marks_each_touched_month_stale_once_not_each_row(client, strategy):
    metrics = MetricFactory.create_batch(2, goal=strategy.goals.get(number=2))
    StalePeriod.objects.all().delete()
    rows = [row(f"Kerho {n}", Date=f"{n % 28 + 1}.{n % 2 + 3}.2025") for n in range(40)]

    confirm(client, upload(client, xlsx(rows)))

    marks = StalePeriod.objects.filter(metric__in=metrics)
    # One mark for each month (March and April) and metric: not one for each of forty rows.
    assert sorted(marks.values_list("metric", "period_start", "row")) == sorted(
        (metric.pk, datetime.date(2025, month, 1), None) for metric in metrics for month in (3, 4)
    )


# --- Undo ---------------------------------------------------------------------------------------


def test_undo__deletes_the_batchs_activities_after_a_confirmation(client):
    batch = confirm(client, upload(client, xlsx([row("A"), row("B")])))
    undo_url = reverse("neighbourhoods:import_undo", args=[batch.pk])

    assert client.get(undo_url).status_code == 200
    assert Activity.objects.count() == 2  # the confirmation page deletes nothing
    client.post(undo_url)

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.UNDONE
    assert batch.undone_by == User.objects.get(username="coordinator")
    assert not Activity.objects.exists()


def test_undo__is_refused_once_an_activity_of_the_batch_has_been_edited(client):
    batch = confirm(client, upload(client, xlsx([row("A"), row("B")])))
    Activity.objects.filter(title="A").update(version=2)

    response = client.post(reverse("neighbourhoods:import_undo", args=[batch.pk]))

    assert "edited since the import" in response.content.decode()
    assert Activity.objects.count() == 2


def test_undo__someone_elses_import_is_not_theirs_to_undo(client, client_for, places):
    batch = confirm(client, upload(client, xlsx([row("A")])))
    colleague = UserFactory.create(role=STAFF)
    places["unit"].members.add(colleague)

    response = client_for(colleague).post(reverse("neighbourhoods:import_undo", args=[batch.pk]))

    assert response.status_code == 403
    assert Activity.objects.count() == 1


# --- Hostile files ----------------------------------------------------------------------------


def zip_bomb() -> bytes:
    """A workbook of 300 KB whose sheet unpacks to 300 MB of zeros (written a MB at a time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            zeros = b"\0" * (1024 * 1024)
            for _megabyte in range(300):
                sheet.write(zeros)
    return buffer.getvalue()


def xlsm() -> bytes:
    buffer = io.BytesIO(xlsx([row()]))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return buffer.getvalue()


def million_rows_xlsx() -> bytes:
    """A sheet that says it has 1,000,001 rows (and has them), written as the XML directly."""
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 1_000_002))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="A1:A1000001"/><sheetData>{rows}</sheetData></worksheet>'
    )
    buffer = io.BytesIO(xlsx([]))
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet.encode()
            archive.writestr(item, data)
    return out.getvalue()


# Each file is made when its test runs (some are large).
HOSTILE: dict[str, tuple[str, bytes | Callable[[], bytes], str]] = {
    "empty": ("activities.xlsx", b"", "The submitted file is empty."),
    "renamed pdf": (
        "activities.xlsx",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n",
        "is not an Excel workbook",
    ),
    "xlsm by name": ("activities.xlsm", lambda: xlsx([row()]), "macros"),
    "xlsm by content": ("activities.xlsx", xlsm, "macros"),
    "zip bomb": ("activities.xlsx", zip_bomb, "unpacks to far more data"),
    "a million rows": ("activities.xlsx", million_rows_xlsx, "more than 20"),
    "a million csv rows": (
        "activities.csv",
        lambda: ",".join(HEADINGS).encode() + b"\n" + b"x\n" * 1_000_001,
        "more than 20",
    ),
    "binary csv": ("activities.csv", b"Title\n\x00\x01\x02", "not a CSV text file"),
    "no headings": ("activities.csv", b"a;b;c\n1;2;3\n", "none of them was recognised"),
    "only headings": ("activities.csv", ",".join(HEADINGS).encode(), "only the heading row"),
    "other kind": ("activities.pdf", b"%PDF-1.7", "Upload an Excel workbook"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_hostile_file__gets_a_clear_message_and_nothing_is_written(client, kind):
    name, content, message = HOSTILE[kind]

    result = upload(client, content() if callable(content) else content, name)

    if isinstance(result, ImportBatch):
        assert result.status == ImportBatch.Status.INVALID
        assert message in result.problem
        page = client.get(reverse("neighbourhoods:import_batch", args=[result.pk]))
        assert page.status_code == 200
        assert message in page.content.decode()
    else:
        assert result.status_code == 200  # the form, with its error
        assert message in result.content.decode()
        assert not ImportBatch.objects.exists()
    assert not Activity.objects.exists()


def test_hostile_file__a_formula_is_an_error_of_its_cell_and_is_not_evaluated(client):
    batch = upload(client, xlsx([row(**{"Participants aged 13–17": "=1+1"})]))

    assert batch.errors == [
        {
            "row": 2,
            "column": "Participants aged 13–17",
            "message": "The cell holds a formula. Paste its value instead "
            "(Paste special → Values).",
        }
    ]


def test_hostile_file__a_cell_of_100000_characters_is_refused_by_the_fields_length(client):
    batch = upload(client, xlsx([row("x" * 100_000)]))

    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Title")]
    assert "at most 200 characters" in batch.errors[0]["message"]
    assert len(batch.errors[0]["message"]) < 200  # the cell is not echoed back


def test_csv__windows_1252_with_semicolons_as_finnish_excel_writes_it(client):
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";")
    writer.writerow(["Otsikko", "Päivämäärä", "Alue", "Tyyppi", "Strategiset tavoitteet"])
    writer.writerow(["Äitien kahvila", "3.3.2025", "Kallio", "Kerho", "2"])

    batch = upload(client, text.getvalue().encode("cp1252"), "aktiviteetit.csv")
    batch = confirm(client, batch)

    assert batch.status == ImportBatch.Status.DONE, batch.errors or batch.problem
    assert Activity.objects.get().title == "Äitien kahvila"


def test_csv__utf8_with_commas_and_a_byte_order_mark(client):
    text = "\ufeffTitle,Date,Area,Type,Strategic goals\nKerho,2025-03-03,Kallio,Kerho,2\n"

    batch = confirm(client, upload(client, text.encode(), "activities.csv"))

    assert batch.imported == 1


def test_upload__a_file_over_the_size_limit_is_refused_by_the_form(client, settings):
    settings.IMPORT_MAX_FILE_MB = 1

    response = client.post(
        IMPORT_URL, {"file": SimpleUploadedFile("activities.csv", b"x" * (1024 * 1024 + 1))}
    )

    assert "larger than 1 MB" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_pages__are_only_for_the_batchs_importer_and_those_who_see_everything(
    client, client_for, places
):
    batch = upload(client, xlsx([row()]))
    url = reverse("neighbourhoods:import_batch", args=[batch.pk])

    assert client_for(UserFactory.create(role=STAFF)).get(url).status_code == 403
    assert client_for(UserFactory.create(role=LEADERSHIP)).get(url).status_code == 200
    assert Client().get(url).status_code == 302  # to the login


def test_existing_activities_from_the_form_are_not_duplicates(client, places, strategy):
    ActivityFactory.create(title="Nuorten kerho", area=places["kallio"])

    batch = upload(client, xlsx([row()]))

    assert batch.ready_rows == 1


@pytest.mark.parametrize("write_only", [False, True])
def test_estimated_rows__reads_the_size_tag_or_counts_the_rows(write_only):
    """Excel writes the sheet's size; some programs do not, and then the rows are counted."""
    workbook = openpyxl.Workbook(write_only=write_only)
    sheet = workbook.create_sheet() if write_only else workbook.active
    for number in range(401):
        sheet.append([f"Kerho {number}", number])
    buffer = io.BytesIO()
    workbook.save(buffer)

    assert imports.estimated_rows(buffer.getvalue(), "kerhot.xlsx") == 401


def test_import__a_partner_whose_name_has_a_comma_is_one_partner(client, places):
    partner = PartnerFactory.create(name="Nuorisopalvelut, Helsingin kaupunki")
    headings = [*HEADINGS, "Partners"]
    cells = "Nuorisopalvelut, Helsingin kaupunki; Kallion seurakunta"

    batch = confirm(client, upload(client, xlsx([[*row(), cells]], headings=headings)))

    activity = Activity.objects.get(import_batch=batch)
    assert set(activity.partners.all()) == {partner, places["partner"]}


def test_purge__deletes_the_files_of_imports_left_unconfirmed_for_a_week(client, settings):
    settings.IMPORT_KEEP_DAYS = 7
    waiting = upload(client, xlsx([row("A")]))
    recent = upload(client, xlsx([row("B")]))
    imported = confirm(client, upload(client, xlsx([row("C")])))
    week_ago = timezone.now() - datetime.timedelta(days=8)
    ImportBatch.objects.filter(pk__in=[waiting.pk, imported.pk]).update(updated_at=week_ago)

    assert tasks.purge_import_files() == 1

    waiting.refresh_from_db()
    assert waiting.status == ImportBatch.Status.FAILED
    assert "not imported within 7 days" in waiting.problem
    assert list(ImportFile.objects.values_list("batch", flat=True)) == [recent.pk]
    imported.refresh_from_db()
    assert imported.status == ImportBatch.Status.DONE
    # Confirming the expired one now imports nothing.
    confirm(client, waiting)
    assert Activity.objects.count() == 1

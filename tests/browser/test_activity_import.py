"""Activities from a spreadsheet, in a real browser.

A youth worker who logs for one unit opens the import page and downloads the template: its
first sheet has the columns under their Finnish headings, with drop-down lists and number
checks, and its second sheet lists the valid names. She fills in seven activities, picking
names from the lists (a goal's title and a means' text, a partner's name with a comma in it),
and two of the rows are wrong: a participant count of "13,5" and a phone number in a
description. The upload is checked and refused as a whole: the errors are listed by row
number and column heading, and nothing is saved.

She fixes the two rows and uploads the file again. This time the file goes to a background
worker, as a large one would: the test plays the worker, so the page shows its progress bar
while the file waits to be checked, and again, once she has confirmed, while it waits to be
imported; the page follows by polling and ends with the seven activities saved, each linked
to its import. The same file once more (checked while she waits) finds all seven imported
already and offers nothing to import. She then undoes the first import from its page, and
the seven activities are gone.

An administrator closes 2025 for reporting, and reopens it; the list of periods shows both
acts. The pages pass axe-core (no serious or critical violation), and the import pages (the
undo confirmation among them) fit a 390 px phone.

The interface is in Finnish. Messages new with the import are not translated yet, so the
tests check row numbers, column headings (the activity fields' Finnish labels), counts,
element ids and what is in the database, not the wording of those messages.

On SQLite the live server's threads share the test's one database connection. The test waits
for the page's HTMX requests before it touches the database, and while it plays the worker
the batch page's polls are held in the browser (see `HeldPolls`), so that none reaches the
server while the test writes.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.contrib.auth.models import User
from django.utils import translation
from openpyxl.utils import get_column_letter
from playwright.sync_api import Locator, Page, Route, expect

from goals.models import Goal, Means, Strategy
from kalliola.roles import STAFF
from neighbourhoods import imports, services, tasks
from neighbourhoods.models import Activity, Area, ClosedPeriod, ImportBatch, Partner, Unit
from tests.browser.conftest import DESKTOP, PHONE, PageProblems
from tests.browser.helpers import accessibility_problems, layout_problems, wait_for_htmx
from tests.factories.activity import ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.partner import PartnerFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

IMPORT_URL = "/activities/import/"
TEMPLATE_URL = "/activities/import/template.xlsx"
BATCH_PATH = re.compile(r"/activities/import/(\d+)/")

# The headings the template's columns have in Finnish: the activity fields' labels.
TITLE = "Otsikko"
DATE = "Päivämäärä"
END_DATE = "Päättymispäivä"
START_TIME = "Alkamisaika"
AREA = "Alue"
TYPE = "Tyyppi"
UNIT = "Toimintayksikkö"
GOALS = "Strategiset tavoitteet"
MEANS = "Keinot"
THEMES = "Eriarvoistumisen teemat"
CHILDREN = "Osallistujat, ikä 0–12"
YOUTH = "Osallistujat, ikä 13–17"
ADULTS = "Osallistujat, ikä 30–64"
ELDERLY = "Osallistujat, ikä 65+"
NEW_PARTICIPANTS = "Uudet osallistujat"
VOLUNTEERS = "Vapaaehtoiset"
VOLUNTEER_HOURS = "Vapaaehtoistunnit"
PARTNERS = "Kumppanit"
DESCRIPTION = "Kuvaus"
ORGANISERS = "Järjestäjät"  # only for those who import for others

AREA_NAME = "Itä-Pakila"
TYPE_NAME = "Jalkautuva työ"
UNIT_NAME = "Kalliolan nuorisotalo"
# A partner whose name has a comma in it, as the city's departments do.
PARTNER_NAME = "Helsingin kaupungin kulttuurin ja vapaa-ajan toimiala, nuorisopalvelut"
PHONE_NUMBER = "040 1234567"

# The two rows with errors, by their row numbers in the sheet (the headings are row 1), with
# the value that is wrong and the value that fixes it.
BAD_COUNT_ROW, BAD_COUNT, GOOD_COUNT = 5, "13,5", 13
PHONE_ROW = 7
BAD_DESCRIPTION = f"Ilmoittautumiset: soita {PHONE_NUMBER}"
GOOD_DESCRIPTION = "Ilmoittautumiset nuorisotalon infossa."
ACTIVITIES = 7

CLOSE_REASON = "Vuoden 2025 luvut on raportoitu STEAlle ja hallitukselle."
REOPEN_REASON = "Raportoiduista luvuista löytyi korjattava virhe."


@pytest.fixture
def importer(strategy: Strategy) -> User:
    """A youth worker who logs for one unit, with the names her activities need."""
    user = UserFactory.create(username="nuorisotyontekija", role=STAFF)
    unit = UnitFactory.create(name_fi=UNIT_NAME, kind=Unit.Kind.YOUTH_WORK)
    unit.members.add(user)
    AreaFactory.create(name_fi=AREA_NAME, level=Area.Level.SUB_DISTRICT)
    ActivityTypeFactory.create(name_fi=TYPE_NAME)
    PartnerFactory.create(name=PARTNER_NAME, sector=Partner.Sector.PUBLIC)
    return user


def is_batch_page(url: str) -> bool:
    return BATCH_PATH.fullmatch(urlsplit(url).path) is not None


class HeldPolls:
    """The batch page's polls (HTMX requests), held in the browser until `let_through`.

    While the test plays the background worker it writes to the database the live server
    shares; a poll reaching the server then would use the same connection at the same time.
    A held poll waits in the browser, before it is sent, and goes on with the next ones once
    the worker's step is done. Pages the browser navigates to are never held.
    """

    def __init__(self, page: Page) -> None:
        self.passing = False
        self.held: list[Route] = []
        page.route(is_batch_page, self._route)

    def _route(self, route: Route) -> None:
        if self.passing or route.request.headers.get("hx-request") != "true":
            route.continue_()
        else:
            self.held.append(route)

    def let_through(self) -> None:
        self.passing = True
        held, self.held = self.held, []
        for route in held:
            route.continue_()

    def hold(self) -> None:
        self.passing = False


def finnish_headings(user: User) -> list[str]:
    with translation.override("fi"):
        return [column.header() for column in imports.columns_for(user)]


def download_template(page: Page, folder: Path) -> Path:
    """Download the template from the link on the import page."""
    link = page.locator(f'main a[href="{TEMPLATE_URL}"]')
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.endswith(".xlsx")
    path = folder / download.suggested_filename
    download.save_as(path)
    return path


def valid_names(workbook: openpyxl.Workbook) -> dict[str, list[str]]:
    """The second sheet's lists, by the heading of the column they are for."""
    lists = workbook.worksheets[1]
    return {
        str(column[0].value): [str(cell.value) for cell in column[1:] if cell.value is not None]
        for column in lists.iter_cols()
        if column[0].value
    }


def the_one(names: list[str], matches: Callable[[str], bool]) -> str:
    found = [name for name in names if matches(name)]
    assert len(found) == 1, f"expected one name in the list, found {found} in {names}"
    return found[0]


def activity_rows(names: dict[str, list[str]]) -> list[dict[str, Any]]:
    """Seven activities of 2025 by column heading, two of them with an error; the area, the
    type and the unit as the template's lists give them, and so are some goals, means,
    themes and partners (names with commas in them among them)."""
    area = the_one(names[AREA], lambda name: name.startswith(f"{AREA_NAME} ("))
    goal_2 = the_one(names[GOALS], lambda name: name.startswith("2 "))
    means_2_2 = the_one(names[MEANS], lambda name: name.startswith("2.2 "))
    means_2_3 = the_one(names[MEANS], lambda name: name.startswith("2.3 "))
    # What the test is about: a name from the list with a comma in it is one name.
    assert "," in goal_2
    assert "," in means_2_2
    common = {AREA: area, TYPE: TYPE_NAME, UNIT: UNIT_NAME}
    rows: list[dict[str, Any]] = [
        {
            TITLE: "Iltakerho nuorisotalolla",
            DATE: datetime.date(2025, 3, 4),
            START_TIME: datetime.time(17, 30),
            GOALS: goal_2,
            MEANS: means_2_3,
            THEMES: names[THEMES][0],
            YOUTH: 12,
            NEW_PARTICIPANTS: 3,
            DESCRIPTION: "Nuoret toivoivat lisää iltavuoroja.",
        },
        {
            TITLE: "Kävelykierros Itä-Pakilassa",
            DATE: datetime.date(2025, 4, 9),
            GOALS: "2",
            MEANS: means_2_2,
            PARTNERS: PARTNER_NAME,
            ADULTS: 6,
        },
        {
            TITLE: "Perhekahvila",
            DATE: datetime.date(2025, 5, 14),
            GOALS: "2; 3",
            MEANS: "2.1",
            CHILDREN: 9,
            ADULTS: 7,
        },
        {  # row 5: the count with a decimal
            TITLE: "Nuorten kesäleiri",
            DATE: datetime.date(2025, 6, 10),
            END_DATE: datetime.date(2025, 6, 12),
            GOALS: "2",
            YOUTH: BAD_COUNT,
            VOLUNTEERS: 2,
            VOLUNTEER_HOURS: 30,
        },
        {
            TITLE: "Asukasilta",
            DATE: datetime.date(2025, 9, 2),
            GOALS: goal_2,
            ELDERLY: 5,
            ADULTS: 4,
        },
        {  # row 7: the phone number
            TITLE: "Syysretki Nuuksioon",
            DATE: datetime.date(2025, 10, 11),
            GOALS: "2",
            YOUTH: 8,
            DESCRIPTION: BAD_DESCRIPTION,
        },
        {
            TITLE: "Joulumyyjäiset",
            DATE: datetime.date(2025, 12, 5),
            GOALS: "2",
            PARTNERS: PARTNER_NAME,
            VOLUNTEERS: 4,
            VOLUNTEER_HOURS: 12,
        },
    ]
    return [common | row for row in rows]


def fill_in(template: Path, rows: list[dict[str, Any]], path: Path) -> Path:
    """The template with the rows written under its headings, saved as `path`."""
    workbook = openpyxl.load_workbook(template)
    sheet = workbook.worksheets[0]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for number, row in enumerate(rows, start=2):
        for heading, value in row.items():
            sheet.cell(row=number, column=columns[heading], value=value)
    workbook.save(path)
    return path


def upload(page: Page, path: Path) -> int:
    """Upload the file from the import page; the browser lands on its batch page."""
    page.goto(IMPORT_URL)
    form = page.locator('main form[enctype="multipart/form-data"]')
    form.locator('input[type="file"]').set_input_files(path)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    match = BATCH_PATH.fullmatch(urlsplit(page.url).path)
    assert match, f"not on a batch page after the upload: {page.url}"
    return int(match[1])


def status_label(status: ImportBatch.Status) -> str:
    """The status as the batch page shows it, in Finnish (or in English while the Finnish
    catalogue has no translation for it)."""
    with translation.override("fi"):
        return str(status.label)


def imported_titles(batch_id: int) -> list[str]:
    return sorted(Activity.objects.filter(import_batch_id=batch_id).values_list("title", flat=True))


def test_a_youth_worker_imports_her_activities_from_the_template_and_undoes_it(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    importer: User,
    strategy: Strategy,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
):
    accessibility: list[str] = []
    state = page.locator("#import-state")
    progress = page.locator("#import-progress")
    confirm = state.locator('form[action$="/confirm/"] button[type="submit"]')
    errors = state.locator("table tbody tr")
    activities_before = Activity.objects.count()
    polls = HeldPolls(page)

    # The import page, and the template from it.
    login(page, importer)
    page.goto(IMPORT_URL)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator('main input[type="file"]')).to_be_visible()
    page_problems.assert_none("the import page")
    accessibility += accessibility_problems(page, "the import page")
    template = download_template(page, tmp_path)
    page_problems.assert_none("the import page, after the download")

    workbook = openpyxl.load_workbook(template)
    assert len(workbook.worksheets) == 2
    sheet = workbook.worksheets[0]
    headings = [cell.value for cell in sheet[1]]
    assert headings == finnish_headings(importer)
    for heading in (TITLE, DATE, AREA, TYPE, GOALS, MEANS, YOUTH, DESCRIPTION):
        assert heading in headings
    assert ORGANISERS not in headings  # she imports only what she organised
    names = valid_names(workbook)
    assert {AREA, TYPE, UNIT, GOALS, MEANS, THEMES, PARTNERS} <= names.keys()
    assert names[UNIT] == [UNIT_NAME]  # the units she logs for
    assert TYPE_NAME in names[TYPE]
    assert PARTNER_NAME in names[PARTNERS]
    assert len(names[GOALS]) == strategy.goals.count()
    assert len(names[MEANS]) == Means.objects.filter(goal__strategy=strategy).count()
    # The columns with a list offer its names; the counts take whole numbers only.
    validations = {
        str(validation.sqref).split(":")[0]: validation
        for validation in sheet.data_validations.dataValidation
    }
    for heading in (AREA, TYPE, UNIT, GOALS, MEANS, PARTNERS):
        validation = validations[f"{get_column_letter(headings.index(heading) + 1)}2"]
        assert validation.type == "list", heading
        assert workbook.worksheets[1].title in str(validation.formula1), heading
    for heading in (YOUTH, NEW_PARTICIPANTS, VOLUNTEERS):
        validation = validations[f"{get_column_letter(headings.index(heading) + 1)}2"]
        assert validation.type == "whole", heading

    # Seven rows, two of them wrong: nothing is saved, and the errors are listed.
    rows = activity_rows(names)
    first_id = upload(page, fill_in(template, rows, tmp_path / "toiminnat.xlsx"))
    expect(state.locator("h2")).to_have_text(status_label(ImportBatch.Status.INVALID))
    expect(progress).to_have_count(0)
    expect(state.locator('p.missing[role="alert"]')).to_be_visible()
    expect(confirm).to_have_count(0)
    expect(errors).to_have_count(2)
    expect(errors.nth(0).locator("td").nth(0)).to_have_text(str(BAD_COUNT_ROW))
    expect(errors.nth(0).locator("td").nth(1)).to_have_text(YOUTH)
    expect(errors.nth(1).locator("td").nth(0)).to_have_text(str(PHONE_ROW))
    expect(errors.nth(1).locator("td").nth(1)).to_have_text(DESCRIPTION)
    # What was wrong is named (the count as written); the phone number is not repeated.
    expect(errors.nth(0)).to_contain_text(BAD_COUNT)
    expect(state).not_to_contain_text(PHONE_NUMBER)
    page_problems.assert_none("the batch page with errors")
    accessibility += accessibility_problems(page, "the batch page with errors")
    refused = ImportBatch.objects.get(pk=first_id)
    assert refused.status == ImportBatch.Status.INVALID
    assert (refused.rows, refused.error_count) == (ACTIVITIES, 2)
    assert Activity.objects.count() == activities_before

    # Fixed, and uploaded again: this time a worker checks and imports it, and the page
    # follows it by polling. The test is the worker.
    rows[BAD_COUNT_ROW - 2][YOUTH] = GOOD_COUNT
    rows[PHONE_ROW - 2][DESCRIPTION] = GOOD_DESCRIPTION
    fixed = fill_in(template, rows, tmp_path / "toiminnat-korjattu.xlsx")
    inline_rows = settings.IMPORT_INLINE_ROWS
    settings.IMPORT_INLINE_ROWS = 0
    queued: dict[str, list[int]] = {"check": [], "import": []}

    def queue(step: str) -> Callable[..., None]:
        def apply_async(args: list[int], **options: Any) -> None:
            queued[step].append(args[0])

        return apply_async

    monkeypatch.setattr(tasks.check_import, "apply_async", queue("check"))
    monkeypatch.setattr(tasks.run_import, "apply_async", queue("import"))

    batch_id = upload(page, fixed)
    expect(progress).to_be_visible()
    expect(page.locator('label[for="import-progress"]')).to_be_visible()
    expect(state).to_have_attribute("hx-trigger", "every 1s")
    expect(confirm).to_have_count(0)
    page_problems.assert_none("the batch page waiting to be checked")
    assert queued == {"check": [batch_id], "import": []}
    assert ImportBatch.objects.get(pk=batch_id).status == ImportBatch.Status.QUEUED

    checked = services.import_check(batch_id)
    assert checked.status == ImportBatch.Status.READY
    assert (checked.rows, checked.ready_rows, checked.error_count) == (ACTIVITIES, ACTIVITIES, 0)
    polls.let_through()
    expect(state.locator("h2")).to_have_text(status_label(ImportBatch.Status.READY))
    expect(progress).to_have_count(0)
    expect(state).not_to_have_attribute("hx-trigger", re.compile(".*"))
    expect(state.locator("ul.status-counts li").first).to_contain_text(str(ACTIVITIES))
    expect(confirm).to_be_visible()
    expect(confirm).to_contain_text(str(ACTIVITIES))
    expect(errors).to_have_count(0)
    wait_for_htmx(page)
    polls.hold()
    page_problems.assert_none("the batch page, checked")
    assert Activity.objects.count() == activities_before

    # She confirms: the import waits for the worker, and the page shows its progress.
    with page.expect_navigation():
        confirm.click()
    expect(page).to_have_url(f"/activities/import/{batch_id}/")
    expect(progress).to_be_visible()
    expect(progress).to_have_attribute("max", str(ACTIVITIES))
    expect(progress).to_have_attribute("value", "0")
    expect(state).to_have_attribute("hx-trigger", "every 1s")
    expect(confirm).to_have_count(0)
    page_problems.assert_none("the batch page waiting to be imported")
    assert queued == {"check": [batch_id], "import": [batch_id]}
    assert Activity.objects.count() == activities_before

    done = services.import_commit(batch_id)
    assert done.status == ImportBatch.Status.DONE
    polls.let_through()
    expect(state.locator("h2")).to_have_text(status_label(ImportBatch.Status.DONE))
    expect(progress).to_have_count(0)
    expect(state).not_to_have_attribute("hx-trigger", re.compile(".*"))
    undo = state.locator(f'a[href="/activities/import/{batch_id}/undo/"]')
    expect(undo).to_be_visible()
    expect(state.locator(f'a[href="/activities/?batch={batch_id}"]')).to_be_visible()
    wait_for_htmx(page)
    polls.hold()
    page_problems.assert_none("the batch page, imported")
    accessibility += accessibility_problems(page, "the batch page, imported")

    assert Activity.objects.count() == activities_before + ACTIVITIES
    assert imported_titles(batch_id) == sorted(row[TITLE] for row in rows)
    imported = Activity.objects.filter(import_batch_id=batch_id)
    unit = Unit.objects.get(name_fi=UNIT_NAME)
    assert set(imported.values_list("unit", "created_by", "status")) == {
        (unit.pk, importer.pk, Activity.Status.DONE)
    }
    goal_2 = Goal.objects.get(strategy=strategy, number=2)
    goal_3 = Goal.objects.get(strategy=strategy, number=3)
    first = imported.get(title=rows[0][TITLE])
    assert list(first.goals.all()) == [goal_2]
    assert [f"{m.goal.number}.{m.position}" for m in first.means.all()] == ["2.3"]
    assert first.themes.count() == 1
    assert (first.participants_13_17, first.new_participants) == (12, 3)
    assert first.start_time == datetime.time(17, 30)
    walk = imported.get(title=rows[1][TITLE])
    assert [f"{m.goal.number}.{m.position}" for m in walk.means.all()] == ["2.2"]
    assert [partner.name for partner in walk.partners.all()] == [PARTNER_NAME]
    assert set(imported.get(title=rows[2][TITLE]).goals.all()) == {goal_2, goal_3}
    camp = imported.get(title=rows[BAD_COUNT_ROW - 2][TITLE])
    assert camp.participants_13_17 == GOOD_COUNT
    assert camp.end_date == datetime.date(2025, 6, 12)
    trip = imported.get(title=rows[PHONE_ROW - 2][TITLE])
    assert trip.description == GOOD_DESCRIPTION

    # The same file again, checked while she waits: every row is imported already.
    settings.IMPORT_INLINE_ROWS = inline_rows
    again_id = upload(page, fixed)
    expect(state.locator("h2")).to_have_text(status_label(ImportBatch.Status.READY))
    expect(progress).to_have_count(0)
    expect(confirm).to_have_count(0)
    expect(state.locator("details table tbody tr")).to_have_count(ACTIVITIES)
    page_problems.assert_none("the batch page, every row imported already")
    again = ImportBatch.objects.get(pk=again_id)
    assert (again.rows, again.ready_rows, again.duplicate_rows) == (ACTIVITIES, 0, ACTIVITIES)
    assert queued == {"check": [batch_id], "import": [batch_id]}  # nothing more queued
    assert Activity.objects.count() == activities_before + ACTIVITIES

    # She undoes the import from its page, after a confirmation.
    page.goto(IMPORT_URL)
    page.locator(f'main a[href="/activities/import/{batch_id}/"]').click()
    expect(page).to_have_url(f"/activities/import/{batch_id}/")
    undo.click()
    expect(page).to_have_url(f"/activities/import/{batch_id}/undo/")
    undo_form = page.locator('main form[method="post"]')
    expect(undo_form).to_contain_text(str(ACTIVITIES))
    page_problems.assert_none("the undo confirmation")
    accessibility += accessibility_problems(page, "the undo confirmation")
    page.set_viewport_size(PHONE)
    layout = layout_problems(page, page_problems, "the undo confirmation (390 px)")
    page.set_viewport_size(DESKTOP)
    with page.expect_navigation():
        undo_form.locator('button[type="submit"]').click()
    expect(page).to_have_url(f"/activities/import/{batch_id}/")
    expect(state.locator("h2")).to_have_text(status_label(ImportBatch.Status.UNDONE))
    expect(undo).to_have_count(0)
    expect(state).to_contain_text(importer.get_full_name())  # who undid it
    page_problems.assert_none("the batch page, undone")
    undone = ImportBatch.objects.get(pk=batch_id)
    assert (undone.status, undone.undone_by) == (ImportBatch.Status.UNDONE, importer)
    assert undone.undone_at is not None
    assert imported_titles(batch_id) == []
    assert Activity.objects.count() == activities_before

    # The import pages on a phone.
    page.set_viewport_size(PHONE)
    for where, path in (
        ("the import page", IMPORT_URL),
        ("the batch page with errors", f"/activities/import/{first_id}/"),
        ("the batch page, every row imported already", f"/activities/import/{again_id}/"),
        ("the batch page, undone", f"/activities/import/{batch_id}/"),
    ):
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        layout += layout_problems(page, page_problems, f"{where} (390 px)")
    assert not layout, "wider than a 390 px phone:\n" + "\n".join(layout)
    assert not accessibility, "accessibility violations:\n" + "\n".join(accessibility)


def period_row(page: Page) -> Locator:
    return page.locator("main table tbody tr")


def test_an_administrator_closes_2025_for_reporting_and_reopens_it(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
):
    accessibility: list[str] = []
    login(page, admin_role_user)
    page.goto("/reporting-periods/")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main table")).to_have_count(0)

    form = page.locator('main form[method="post"]')
    form.locator("#id_first_month").fill("2025-01")
    form.locator("#id_last_month").fill("2025-12")
    form.locator("#id_reason").fill(CLOSE_REASON)
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()

    expect(page).to_have_url("/reporting-periods/")
    period = ClosedPeriod.objects.get()
    assert (period.first_day, period.last_day) == (
        datetime.date(2025, 1, 1),
        datetime.date(2025, 12, 31),
    )
    assert (period.closed_by, period.reason, period.reopened_at) == (
        admin_role_user,
        CLOSE_REASON,
        None,
    )
    row = period_row(page)
    expect(row).to_have_count(1)
    expect(row.locator("th")).to_contain_text("2025")
    expect(row).to_contain_text(CLOSE_REASON)
    reopen = row.locator(f'a[href="/reporting-periods/{period.pk}/reopen/"]')
    expect(reopen).to_be_visible()
    page_problems.assert_none("the reporting periods, 2025 closed")
    accessibility += accessibility_problems(page, "the reporting periods, 2025 closed")

    reopen.click()
    expect(page).to_have_url(f"/reporting-periods/{period.pk}/reopen/")
    expect(page.locator("main h1")).to_contain_text("2025")
    page_problems.assert_none("the reopen page")
    accessibility += accessibility_problems(page, "the reopen page")
    reopen_form = page.locator('main form[method="post"]')
    reopen_form.locator("#id_reason").fill(REOPEN_REASON)
    with page.expect_navigation():
        reopen_form.locator('button[type="submit"]').click()

    # Both acts are listed: who closed it and why, who reopened it and why.
    expect(page).to_have_url("/reporting-periods/")
    expect(row).to_have_count(1)
    cells = row.locator("td")
    expect(cells.nth(0)).to_contain_text(CLOSE_REASON)
    expect(cells.nth(0)).to_contain_text(admin_role_user.get_full_name())
    expect(cells.nth(1)).to_contain_text(REOPEN_REASON)
    expect(cells.nth(1)).to_contain_text(admin_role_user.get_full_name())
    expect(row.locator('a[href$="/reopen/"]')).to_have_count(0)
    page_problems.assert_none("the reporting periods, 2025 reopened")
    accessibility += accessibility_problems(page, "the reporting periods, 2025 reopened")
    period.refresh_from_db()
    assert (period.reopened_by, period.reopen_reason) == (admin_role_user, REOPEN_REASON)
    assert period.reopened_at is not None
    assert not accessibility, "accessibility violations:\n" + "\n".join(accessibility)

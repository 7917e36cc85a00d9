"""The live preview of the metric form stays in view while the definition is edited.

The form is several screens long and its filters are near the bottom. On a wide screen the
preview is beside the form and fits the screen wherever the form is scrolled to; below the
two-column width the preview comes after the form, and a line summing it up stays at the top
of the screen. The preview is posted by HTMX after a change; each test waits for the answer
(never sleeps), since on SQLite the live server and the test share one connection.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import FloatRect, Locator, Page, Response, expect

from goals.models import Goal, Strategy
from measures.models import Period
from measures.periods import period_label
from neighbourhoods.models import Area, Partner
from tests.browser.conftest import DESKTOP, PHONE, PageProblems
from tests.browser.helpers import assert_accessible, layout_problems, translated, wait_for_htmx
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.partner import PartnerFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups and their permissions) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_METRIC_URL = "/metrics/new/"
PREVIEW_URL = "/metrics/preview/"
SUMMARY = "%(period)s, the last complete period: %(value)s"


def shown(message: str, **values: object) -> str:
    return translated(settings.LANGUAGE_CODE, message, **values)


@pytest.fixture
def last_month(strategy: Strategy) -> str:
    """Three done activities last month, one of them with a residents' group: the preview by
    month gives 3 for last month, and 1 once only activities with residents' groups count.

    By month, the preview has a row for every month since the strategy began, years of them:
    far taller than a screen."""
    day = timezone.localdate().replace(day=1) - datetime.timedelta(days=1)
    assert day.year > strategy.start_year, "the history is longer than a year"
    area = AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    unit = UnitFactory.create(name_fi="Kontulan nuorisotyö")
    kind = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    residents = PartnerFactory.create(
        name="Kontulan asukasyhdistys", sector=Partner.Sector.RESIDENTS
    )
    for partners in ([residents], [], []):
        ActivityFactory.create(date=day, area=area, unit=unit, type=kind, partners=partners)
    return period_label(day, Period.MONTH)


@pytest.fixture
def goal(strategy: Strategy) -> Goal:
    return strategy.goals.get(number=2)


def is_preview(response: Response, **fields: str) -> bool:
    if urlsplit(response.url).path != PREVIEW_URL or response.request.method != "POST":
        return False
    posted = parse_qs(response.request.post_data or "", keep_blank_values=True)
    return all(posted.get(name) == [value] for name, value in fields.items())


@contextmanager
def previewed(page: Page, **fields: str) -> Iterator[None]:
    """Around an action: wait for the preview it causes (of a form with these `fields`) to be
    answered with 200 and swapped in."""
    with page.expect_response(lambda response: is_preview(response, **fields)) as answer:
        yield
    assert answer.value.status == 200, f"the preview answered {answer.value.status}"
    wait_for_htmx(page)


def define_a_monthly_count(page: Page, goal: Goal) -> Locator:
    """Open the metric form and define the done activities per month; returns the form."""
    with previewed(page):
        page.goto(NEW_METRIC_URL)
    form = page.locator("#metric-form")
    form.locator("#id_name").fill("Toteutuneet toiminnat")
    form.locator("#id_unit").fill("kpl")
    form.locator('input[name="kind"][value="activity"]').check()
    form.locator("#id_goal").select_option(str(goal.pk))
    form.locator("#id_period").select_option("month")
    with previewed(page, aggregation="activities", period="month"):
        form.locator("#id_aggregation").select_option("activities")
    return form


def residents_filter(page: Page, form: Locator) -> Locator:
    """The filter of partner sectors, the last of the filters, near the bottom of the form:
    opened and scrolled to, a screen and more below the top of the form."""
    form.locator("details > summary").click()
    residents = form.locator('input[name="partner_sectors"][value="residents"]')
    residents.scroll_into_view_if_needed()
    assert page.evaluate("window.scrollY") > page.viewport_size["height"]  # type: ignore[index]
    return residents


def in_viewport(box: FloatRect | None, page: Page) -> bool:
    viewport = page.viewport_size
    assert box is not None
    assert viewport is not None
    return (
        box["y"] >= 0
        and box["x"] >= 0
        and box["y"] + box["height"] <= viewport["height"]
        and box["x"] + box["width"] <= viewport["width"]
    )


def preview_value(page: Page, label: str) -> Locator:
    row = page.locator("aside.metric-preview table.values tbody tr").filter(
        has=page.locator("th", has_text=label)
    )
    return row.locator("td")


def test_on_a_wide_screen_the_preview_beside_the_form_changes_in_view_as_a_filter_is_chosen(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    goal: Goal,
    last_month: str,
):
    page.set_viewport_size(DESKTOP)
    login(page, admin_role_user)
    form = define_a_monthly_count(page, goal)
    expect(preview_value(page, last_month)).to_have_text("3")
    rows = page.locator("aside.metric-preview table.values tbody tr").count()
    assert rows * 40 > DESKTOP["height"], f"{rows} months: a table taller than the screen"
    page_problems.assert_none("the metric form")

    residents = residents_filter(page, form)
    with previewed(page, partner_sectors="residents"):
        residents.check()

    expect(residents).to_be_in_viewport()
    aside = page.locator("aside.metric-preview")
    assert in_viewport(aside.bounding_box(), page), "the whole preview is on the screen"
    expect(page.locator("#preview-title")).to_be_in_viewport()
    value = preview_value(page, last_month)
    expect(value).to_have_text("1")
    assert in_viewport(value.bounding_box(), page)
    # Beside the form, the summary line is not needed.
    expect(page.locator("#preview-summary")).to_be_hidden()
    problems = layout_problems(page, page_problems, "the metric form, scrolled (1280 px)")
    assert not problems, "too wide for the screen:\n" + "\n".join(problems)
    assert_accessible(page, "the metric form, scrolled (1280 px)")


def test_on_a_phone_the_summary_of_the_preview_stays_in_view_while_the_form_is_scrolled(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    goal: Goal,
    last_month: str,
):
    page.set_viewport_size(PHONE)
    login(page, admin_role_user)
    form = define_a_monthly_count(page, goal)
    summary = page.locator("#preview-summary")
    expect(summary).to_contain_text(shown(SUMMARY, period=last_month, value=3))
    page_problems.assert_none("the metric form on a phone")

    residents = residents_filter(page, form)
    with previewed(page, partner_sectors="residents"):
        residents.check()

    expect(summary).to_contain_text(shown(SUMMARY, period=last_month, value=1))
    assert in_viewport(summary.bounding_box(), page)
    expect(residents).to_be_in_viewport()
    # The summary does not cover the field being changed.
    summary_box, field_box = summary.bounding_box(), residents.bounding_box()
    assert summary_box
    assert field_box
    assert field_box["y"] >= summary_box["y"] + summary_box["height"]

    # It stays at the top wherever the form is scrolled to, down to the button that saves it.
    for place in ("#id_description", "#id_direction", 'button[type="submit"]'):
        form.locator(place).scroll_into_view_if_needed()
        assert in_viewport(summary.bounding_box(), page), f"the summary at {place}"
    expect(summary).to_contain_text(shown(SUMMARY, period=last_month, value=1))
    problems = layout_problems(page, page_problems, "the metric form, scrolled (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)
    assert_accessible(page, "the metric form, scrolled (390 px)")

    # Its link leads to the whole preview, below the form, not hidden under the summary.
    summary.get_by_role("link", name=shown("Preview")).click()
    expect(page.locator("#preview-title")).to_be_in_viewport()
    title_box = page.locator("#preview-title").bounding_box()
    summary_box = summary.bounding_box()
    assert title_box
    assert summary_box
    assert title_box["y"] >= summary_box["y"] + summary_box["height"]
    expect(preview_value(page, last_month)).to_have_text("1")

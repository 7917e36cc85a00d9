"""Metrics in a real browser: the admin defines a metric beside a live preview of its values,
saves it as version 1 and edits it into version 2; leadership enters a manual value from a
phone; everyone reads the metrics on the list, on a metric's page and on the goal page.

The preview posts the whole form (HTMX, after a short delay) and stores nothing; the test
counts the logged activities itself and compares. Celery runs eagerly here: a saved version's
values are computed once its transaction commits, before the browser is redirected.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.

On SQLite the live server's threads share the test's one database connection, which cannot
serve two requests at once, nor a request and the test: so each test waits for the preview it
caused (and for HTMX to settle) before it acts again or reads the database, never sleeps.
Texts are expected in Finnish, the interface language, from the English source (`shown`).
"""

from __future__ import annotations

import datetime
import re
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.text import capfirst
from playwright.sync_api import Locator, Page, Request, Response, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from goals.models import Goal, Strategy
from measures import services
from measures.models import Measurement, Metric, MetricValue, MetricVersion, Period
from neighbourhoods.models import Activity, Area
from tests.browser.conftest import DESKTOP, PHONE, PageProblems
from tests.browser.helpers import (
    HTMX_IDLE_JS,
    layout_problems,
    translated,
    translated_plural,
    wait_for_htmx,
)
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups and their permissions) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

METRICS_URL = "/metrics/"
NEW_METRIC_URL = "/metrics/new/"
PREVIEW_URL = "/metrics/preview/"
METRIC_URL = re.compile(r"/metrics/(\d+)/$")

NAME = "Toteutuneet toiminnat"
UNIT = "kpl"
MANUAL_NAME = "Kalliolan tunnettuus"
SOURCE = "Tunnettuuskysely 2025"

# Marks the window, so that a test can tell the page was not loaded again meanwhile.
MARK_PAGE_JS = "() => { window.metricsTestMark = true; }"
PAGE_MARKED_JS = "() => window.metricsTestMark === true"

# Stands for a value the test does not predict (a date and time, how long ago).
ANY = object()
MARK = "\x00"


@dataclass(frozen=True)
class Logged:
    day: datetime.date
    status: str
    teens: int  # participants aged 13–17
    young_adults: int  # participants aged 18–29


DONE, PLANNED = Activity.Status.DONE, Activity.Status.PLANNED

# Several activities in 2024 and 2025, in different quarters; none in 2023 or later, whose
# periods must show zero. The planned one is not counted: a metric counts done activities
# unless told otherwise.
LOGGED = [
    Logged(datetime.date(2024, 2, 10), DONE, 5, 1),
    Logged(datetime.date(2024, 3, 28), DONE, 3, 0),
    Logged(datetime.date(2024, 5, 14), DONE, 8, 2),
    Logged(datetime.date(2024, 11, 2), DONE, 4, 4),
    Logged(datetime.date(2025, 1, 15), DONE, 6, 0),
    Logged(datetime.date(2025, 6, 10), PLANNED, 9, 9),
    Logged(datetime.date(2025, 7, 1), DONE, 2, 3),
    Logged(datetime.date(2025, 8, 20), DONE, 7, 1),
    Logged(datetime.date(2025, 9, 30), DONE, 1, 1),
]


def count(logged: Logged) -> int:
    return 1


def participants(logged: Logged) -> int:
    return logged.teens + logged.young_adults


# --- What the interface shows -----------------------------------------------------------------


def shown(message: str, **values: object) -> str:
    """`message` as the interface shows it, in the interface language (Finnish)."""
    return translated(settings.LANGUAGE_CODE, message, **values)


def shown_plural(singular: str, plural: str, counter: int) -> str:
    return translated_plural(settings.LANGUAGE_CODE, singular, plural, counter)


def shown_pattern(message: str, **values: object) -> re.Pattern[str]:
    """`shown(message)` as a pattern, where the values given as ANY may be any text."""
    text = shown(message, **{name: MARK if v is ANY else v for name, v in values.items()})
    return re.compile(".+?".join(re.escape(part) for part in text.split(MARK)))


# --- Periods and the values expected, counted here from LOGGED ------------------------------


def labels(period: str, first_year: int) -> list[str]:
    """The periods from the strategy's first year up to today's, oldest first."""
    today = timezone.localdate()
    if period == Period.YEAR:
        return [str(year) for year in range(first_year, today.year + 1)]
    return [
        f"{year} Q{quarter}"
        for year in range(first_year, today.year + 1)
        for quarter in (1, 2, 3, 4)
        if datetime.date(year, 3 * quarter - 2, 1) <= today
    ]


def label_of(day: datetime.date, period: str) -> str:
    return str(day.year) if period == Period.YEAR else f"{day.year} Q{(day.month + 2) // 3}"


@dataclass(frozen=True)
class Expected:
    """A metric's values as the tables show them, newest first (the current period on top)."""

    labels: list[str]
    values: list[str]


def expected(period: str, measure: Callable[[Logged], int], first_year: int) -> Expected:
    totals: Counter[str] = Counter()
    for logged in LOGGED:
        if logged.status == DONE:
            totals[label_of(logged.day, period)] += measure(logged)
    oldest_first = labels(period, first_year)
    newest_first = list(reversed(oldest_first))
    # The periods before the first logged activity have no data (not a count of 0).
    first_logged = min(logged.day for logged in LOGGED)
    before = {label for label in oldest_first if label < label_of(first_logged, period)}
    return Expected(
        newest_first,
        [shown("no data") if label in before else str(totals[label]) for label in newest_first],
    )


# --- The page's parts -------------------------------------------------------------------------


def metric_form(page: Page) -> Locator:
    return page.locator("#metric-form")


def preview(page: Page) -> Locator:
    return page.locator("#preview")


def is_preview_request(request: Request) -> bool:
    return urlsplit(request.url).path == PREVIEW_URL and request.method == "POST"


def is_preview(response: Response, **fields: str) -> bool:
    """The answer to a preview, of a form posted with these values of `fields`."""
    if not is_preview_request(response.request):
        return False
    posted = parse_qs(response.request.post_data or "", keep_blank_values=True)
    return all(posted.get(name) == [value] for name, value in fields.items())


# How long the preview may take to settle once answered: HTMX swaps it in at once.
SETTLE_MS = 3_000


def settled(page: Page) -> None:
    """Wait until HTMX is idle: nothing requested, every answer swapped in. The preview swaps
    itself (outerHTML) and is triggered on "load": were the element swapped in to post again
    as it loads, the page would never be idle, and this says so."""
    sent: list[str] = []

    def listener(request: Request) -> None:
        if is_preview_request(request):
            sent.append(request.url)

    page.on("request", listener)
    try:
        page.wait_for_function(HTMX_IDLE_JS, timeout=SETTLE_MS)
    except PlaywrightTimeoutError:
        pytest.fail(
            f"HTMX was still busy {SETTLE_MS} ms after the preview was answered: the preview "
            f"was posted {len(sent)} more times meanwhile, with nothing changed in the form"
        )
    finally:
        page.remove_listener("request", listener)


@contextmanager
def previewed(page: Page, **fields: str) -> Iterator[None]:
    """Around an action: wait for the preview it causes (of a form with these `fields`) to be
    answered with 200, by HTMX, and swapped in."""
    with page.expect_response(lambda response: is_preview(response, **fields)) as answer:
        yield
    response = answer.value
    assert response.status == 200, f"the preview answered {response.status}"
    assert response.request.header_value("hx-request") == "true"
    settled(page)


def expect_preview(page: Page, values: Expected) -> None:
    """The preview's table shows exactly these periods and values; only the current period,
    on top, is marked as not complete yet."""
    table = preview(page).locator("table.values")
    expect(table.locator("tbody th")).to_have_text(values.labels)
    expect(table.locator("tbody td")).to_have_text(values.values)
    expect(table.locator("tbody tr.muted")).to_have_count(1)
    expect(table.locator("tbody tr").first).to_have_class("muted")


def expect_values(page: Page, values: Expected) -> None:
    """The metric page's table of values shows exactly these periods and values, the current
    period marked as in progress."""
    table = page.locator('section[aria-labelledby="values-title"] table.values--periods')
    in_progress = shown("in progress")
    oldest_first = list(reversed(values.labels))
    heads = [*oldest_first[:-1], f"{oldest_first[-1]} ({in_progress})*"]
    expect(table.locator("thead th:not(:first-child)")).to_have_text(heads)
    expect(table.locator("tr.values__shown td")).to_have_text(list(reversed(values.values)))


def expect_version(page: Page, number: int) -> None:
    produced = page.locator('section[aria-labelledby="values-title"] > p.muted')
    expect(produced).to_contain_text(
        shown_pattern(
            "Produced by version %(number)s of the definition, saved %(created)s.",
            number=number,
            created=ANY,
        )
    )


def expect_computed(page: Page) -> None:
    """The state line says the values are computed, and no longer polls."""
    state = page.locator("#metric-state")
    expect(state).to_have_text(shown_pattern("Computed %(ago)s ago.", ago=ANY))
    expect(state).not_to_have_attribute("hx-get", re.compile(".*"))


def versions(page: Page) -> Locator:
    return page.locator('section[aria-labelledby="versions-title"] ol.history > li')


def save(page: Page) -> None:
    settled(page)
    metric_form(page).locator('button[type="submit"]').click()


def side_by_side(page: Page) -> bool:
    """Whether the preview is to the right of the form (else it must be below it)."""
    form = metric_form(page).bounding_box()
    aside = page.locator("aside.metric-preview").bounding_box()
    assert form
    assert aside
    if aside["x"] >= form["x"] + form["width"]:
        assert aside["x"] + aside["width"] <= page.viewport_size["width"]  # type: ignore[index]
        return True
    assert aside["y"] >= form["y"] + form["height"], "the preview overlaps the form"
    return False


def no_metric_saved() -> None:
    assert Metric.objects.count() == 0
    assert MetricVersion.objects.count() == 0
    assert MetricValue.objects.count() == 0


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def logged(strategy: Strategy) -> list[Activity]:
    """The activities of LOGGED, in one sub-district, by one unit."""
    area = AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    unit = UnitFactory.create(name_fi="Kontulan nuorisotyö")
    kind = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    return [
        ActivityFactory.create(
            date=item.day,
            status=item.status,
            participants_13_17=item.teens,
            participants_18_29=item.young_adults,
            new_participants=1,
            area=area,
            unit=unit,
            type=kind,
        )
        for item in LOGGED
    ]


@pytest.fixture
def goal(strategy: Strategy) -> Goal:
    return strategy.goals.get(number=2)


def computed_metric(**kwargs: Any) -> Metric:
    """A metric with version 1, computed as the task computes it after a save."""
    metric = MetricFactory.create(**kwargs)
    services.recompute_metric(metric.pk)
    metric.refresh_from_db()
    assert metric.computed_at is not None
    return metric


@pytest.fixture
def yearly_count(goal: Goal, logged: list[Activity]) -> Metric:
    """The done activities per year, as the metric form defines them."""
    return computed_metric(
        name=NAME,
        unit=UNIT,
        goal=goal,
        period=Period.YEAR,
        definition={"aggregation": "activities", "status": "done"},
    )


@pytest.fixture
def manual_metric(goal: Goal) -> Metric:
    return computed_metric(
        name=MANUAL_NAME,
        unit="%",
        goal=goal,
        kind=Metric.Kind.MANUAL,
        period=Period.QUARTER,
        definition={},
    )


# --- Tests ------------------------------------------------------------------------------------


def test_admin_previews_a_new_metric_for_every_past_period_and_saves_it_as_version_1(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    strategy: Strategy,
    goal: Goal,
    logged: list[Activity],
):
    quarterly = expected(Period.QUARTER, count, strategy.start_year)
    yearly = expected(Period.YEAR, count, strategy.start_year)
    counted = [int(value) for value in yearly.values if value.isdigit()]
    assert sum(counted) == 8, "the test's own count of the done activities"
    page.set_viewport_size(DESKTOP)
    login(page, admin_role_user)

    # The empty form asks for a complete definition: its preview is posted as soon as it loads.
    with previewed(page):
        page.goto(NEW_METRIC_URL)
    form = metric_form(page)
    expect(preview(page)).to_contain_text(shown("Complete the definition to see its values."))
    expect(form.locator("fieldset.for-activity")).to_be_visible()
    expect(form.locator("fieldset.for-ratio")).to_be_visible()
    page_problems.assert_none("the empty metric form")

    form.locator("#id_name").fill(NAME)
    form.locator("#id_unit").fill(UNIT)
    form.locator('input[name="kind"][value="activity"]').check()
    form.locator("#id_goal").select_option(str(goal.pk))
    form.locator("#id_period").select_option("quarter")
    with previewed(page, aggregation="activities", period="quarter", name=NAME):
        form.locator("#id_aggregation").select_option("activities")

    # Only the activity metric's fieldset stays; the preview has one row per quarter.
    expect(form.locator("fieldset.for-ratio")).to_be_hidden()
    expect(form.locator("fieldset.for-activity")).to_be_visible()
    expect_preview(page, quarterly)
    assert side_by_side(page), "on a 1280 px screen the preview is beside the form"
    problems = layout_problems(page, page_problems, "the metric form with its preview (1280 px)")
    assert not problems, "too wide for the screen:\n" + "\n".join(problems)
    no_metric_saved()

    with previewed(page, period="year", aggregation="activities"):
        form.locator("#id_period").select_option("year")

    expect_preview(page, yearly)
    page_problems.assert_none("the metric form, previewed by year")
    no_metric_saved()

    save(page)

    expect(page).to_have_url(METRIC_URL)
    expect(page.locator(".messages")).to_contain_text(
        shown("Saved as version %(number)s; its values are being computed.", number=1)
    )
    expect(page.locator("main h1")).to_have_text(NAME)
    expect_version(page, 1)
    expect_values(page, yearly)
    expect_computed(page)
    expect(versions(page)).to_have_count(1)
    expect(versions(page).first.locator("strong")).to_have_text(
        shown("Version %(number)s", number=1)
    )
    page_problems.assert_none("the new metric's page")

    match = METRIC_URL.search(page.url)
    assert match
    metric = Metric.objects.get()
    assert metric.pk == int(match[1])
    assert (metric.name, metric.unit, metric.kind, metric.goal) == (
        NAME,
        UNIT,
        Metric.Kind.ACTIVITY,
        goal,
    )
    version = metric.version
    assert (version.number, version.period, version.created_by) == (1, "year", admin_role_user)
    assert version.definition == {"aggregation": "activities", "status": "done"}
    stored = MetricValue.objects.filter(version=version, area=None).order_by("-period_start")
    # Stored as computed (a year before the log is a count of 0); the pages say "no data".
    as_stored = [Decimal(v) if v.isdigit() else Decimal(0) for v in yearly.values]
    assert list(stored.values_list("value", flat=True)) == as_stored


def test_the_preview_is_posted_when_the_form_loads_and_then_only_when_it_changes(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    strategy: Strategy,
):
    posted: list[str] = []

    def note(request: Request) -> None:
        if is_preview_request(request):
            posted.append(request.url)

    page.on("request", note)
    login(page, admin_role_user)

    with previewed(page):
        page.goto(NEW_METRIC_URL)
    assert len(posted) == 1, f"the preview was posted {len(posted)} times as the form loaded"

    with previewed(page, period="year"):
        metric_form(page).locator("#id_period").select_option("year")
    assert len(posted) == 2, f"the preview was posted {len(posted) - 1} times for one change"
    page_problems.assert_none("the metric form")


def test_editing_what_is_counted_makes_version_2_and_version_1_keeps_its_values(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    strategy: Strategy,
    yearly_count: Metric,
):
    counts = expected(Period.YEAR, count, strategy.start_year)
    sums = expected(Period.YEAR, participants, strategy.start_year)
    assert counts.values != sums.values
    metric_url = f"/metrics/{yearly_count.pk}/"
    page.set_viewport_size(PHONE)
    login(page, admin_role_user)
    page.goto(metric_url)
    expect_version(page, 1)
    expect_values(page, counts)

    # The form opens with the saved definition, and previews it as it is.
    with previewed(page, aggregation="activities", period="year"):
        page.locator(f'a[href="{metric_url}edit/"]').click()
    form = metric_form(page)
    expect(form.locator("#id_name")).to_have_value(NAME)
    expect(form.locator('input[name="kind"][value="activity"]')).to_be_checked()
    expect(form.locator('input[name="kind"][value="activity"]')).to_be_disabled()
    expect_preview(page, counts)

    with previewed(page, aggregation="participants", period="year"):
        form.locator("#id_aggregation").select_option("participants")

    expect_preview(page, sums)
    assert not side_by_side(page), "on a 390 px phone the preview is below the form"
    problems = layout_problems(page, page_problems, "the metric editor with its preview (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)
    assert MetricVersion.objects.count() == 1

    save(page)

    expect(page).to_have_url(metric_url)
    expect(page.locator(".messages")).to_contain_text(
        shown("Saved as version %(number)s; its values are being computed.", number=2)
    )
    expect_version(page, 2)
    expect_values(page, sums)
    expect_computed(page)
    expect(versions(page)).to_have_count(2)
    current, first = versions(page).all()
    expect(current.locator("strong")).to_have_text(shown("Version %(number)s", number=2))
    expect(current).to_contain_text(f"({shown('current')})")
    expect(first.locator("strong")).to_have_count(0)
    page_problems.assert_none("the metric's page, version 2")

    first.get_by_role("link", name=shown("Version %(number)s", number=1), exact=True).click()

    expect(page).to_have_url(f"{metric_url}?version=1")
    expect_version(page, 1)
    expect(page.locator('section[aria-labelledby="values-title"] strong')).to_have_text(
        shown("An earlier version: the current one may give different numbers.")
    )
    expect_values(page, counts)
    current, first = versions(page).all()
    expect(current.get_by_role("link")).to_have_text(shown("Version %(number)s", number=2))
    expect(first.locator("strong")).to_have_text(shown("Version %(number)s", number=1))
    page_problems.assert_none("the metric's page, version 1")

    assert list(yearly_count.versions.values_list("number", flat=True)) == [2, 1]
    yearly_count.refresh_from_db()
    assert yearly_count.version.number == 2
    assert yearly_count.version.definition["aggregation"] == "participants"


def test_a_metric_without_a_name_is_refused_with_a_summary_and_nothing_is_saved(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    admin_role_user: User,
    goal: Goal,
    logged: list[Activity],
):
    page.set_viewport_size(PHONE)
    login(page, admin_role_user)
    with previewed(page):
        page.goto(NEW_METRIC_URL)
    form = metric_form(page)
    form.locator("#id_unit").fill(UNIT)
    form.locator('input[name="kind"][value="activity"]').check()
    form.locator("#id_goal").select_option(str(goal.pk))
    with previewed(page, aggregation="activities", name=""):
        form.locator("#id_aggregation").select_option("activities")
    # The preview needs only what produces the numbers: it shows them before there is a name.
    expect(preview(page).locator("table.values tbody th").first).to_be_visible()

    with previewed(page):  # the form comes back, and posts its preview again
        save(page)

    expect(page).to_have_url(re.compile(re.escape(NEW_METRIC_URL) + "$"))
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(shown("Nothing was saved."))
    link = summary.locator('a[href="#id_name"]')
    expect(link).to_have_text(capfirst(shown("name")))
    expect(summary.locator("li")).to_have_count(1)
    expect(summary).to_contain_text(shown("This field is required."))
    name = form.locator("#id_name")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#id_name_errors")).to_contain_text(shown("This field is required."))
    # What was entered stays.
    expect(form.locator("#id_unit")).to_have_value(UNIT)
    expect(form.locator("#id_aggregation")).to_have_value("activities")
    expect(form.locator('input[name="kind"][value="activity"]')).to_be_checked()
    problems = layout_problems(page, page_problems, "the refused metric form (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)
    no_metric_saved()


def test_leadership_enters_a_manual_value_with_a_decimal_comma_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    strategy: Strategy,
    manual_metric: Metric,
):
    metric_url = f"/metrics/{manual_metric.pk}/"
    quarters = labels(Period.QUARTER, strategy.start_year)
    complete = quarters[:-1]  # today's quarter is not over: its value is not missing yet
    assert "2025 Q2" in complete
    missing_after = [label for label in complete if label != "2025 Q2"]
    page.set_viewport_size(PHONE)
    login(page, leadership_user)
    page.goto(metric_url)

    missing = page.locator(".missing")
    expect(missing).to_contain_text(
        shown_plural(
            "%(counter)s period has no value yet:",
            "%(counter)s periods have no value yet:",
            len(complete),
        )
    )
    expect(missing.locator("p").nth(1)).to_have_text(", ".join(complete))
    expect(page.locator(f'a[href="{metric_url}edit/"]')).to_have_count(0)
    expect_computed(page)
    page_problems.assert_none("the manual metric's page")

    page.get_by_role("button", name=shown("Enter a value"), exact=True).click()
    expect(page).to_have_url(f"{metric_url}values/new/")
    form = page.locator("main form")
    period = form.locator("#id_period_start")
    # Every period from the strategy's start to today's, the newest first.
    expect(period.locator("option")).to_have_count(len(quarters) + 1)
    expect(period.locator("option").nth(1)).to_have_text(quarters[-1])
    period.select_option(label="2025 Q2")
    form.locator("#id_value").fill("3,5")
    form.locator("#id_source").fill(SOURCE)
    form.locator("#id_note").fill("Vastaajia 412.")
    problems = layout_problems(page, page_problems, "the value form (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)
    form.locator('button[type="submit"]').click()

    expect(page).to_have_url(metric_url)
    expect(page.locator(".messages")).to_contain_text(shown("The value was saved."))
    entered = page.locator('section[aria-labelledby="measurements-title"] tbody tr')
    expect(entered).to_have_count(1)
    expect(entered.locator("th")).to_have_text("2025 Q2")
    expect(entered.locator("td").nth(0)).to_have_text("3,50")
    expect(entered.locator("td").nth(1)).to_contain_text(SOURCE)
    expect(entered.locator("td").nth(2)).to_have_text(leadership_user.get_full_name())
    # The value is the metric's value of that quarter, too.
    values = page.locator('section[aria-labelledby="values-title"] table.values--periods')
    expect(values.locator("thead th:not(:first-child)")).to_have_text(["2025 Q2"])
    expect(values.locator("tr.values__shown td")).to_have_text(["3,50"])
    expect(missing).to_contain_text(
        shown_plural(
            "%(counter)s period has no value yet:",
            "%(counter)s periods have no value yet:",
            len(missing_after),
        )
    )
    expect(missing.locator("p").nth(1)).to_have_text(", ".join(missing_after))
    expect_computed(page)
    page_problems.assert_none("the manual metric's page with a value")

    measurement = Measurement.objects.get()
    assert measurement.metric == manual_metric
    assert measurement.period_start == datetime.date(2025, 4, 1)
    assert measurement.value == Decimal("3.5")
    assert (measurement.source, measurement.entered_by) == (SOURCE, leadership_user)


def test_staff_sees_a_manual_metric_but_cannot_enter_values(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    manual_metric: Metric,
):
    metric_url = f"/metrics/{manual_metric.pk}/"
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page.goto(metric_url)

    expect(page.locator("main h1")).to_have_text(MANUAL_NAME)
    expect(page.locator(".missing")).to_be_visible()
    expect(page.locator(f'a[href="{metric_url}values/new/"]')).to_have_count(0)
    expect(page.get_by_role("button", name=shown("Enter a value"))).to_have_count(0)
    expect(page.locator(f'a[href="{metric_url}edit/"]')).to_have_count(0)
    page_problems.assert_none("the manual metric's page, for staff")
    # Nor by typing the address (a request outside the page: not one of its problems).
    assert page.request.get(f"{metric_url}values/new/").status == 403


def test_the_goal_page_loads_its_metrics(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    strategy: Strategy,
    goal: Goal,
    yearly_count: Metric,
):
    other = computed_metric(name="Toisen tavoitteen mittari", goal=strategy.goals.get(number=3))
    counts = expected(Period.YEAR, count, strategy.start_year)
    page.set_viewport_size(PHONE)
    login(page, staff_user)

    with page.expect_response(f"**/metrics/goal/{goal.pk}/") as answer:
        page.goto(f"/goals/{goal.number}/")
    assert answer.value.status == 200
    assert answer.value.request.header_value("hx-request") == "true"
    wait_for_htmx(page)

    section = page.locator('section[aria-labelledby="metrics-title"]')
    expect(section).not_to_contain_text(shown("Loading the metrics…"))
    summary = section.locator("article.metric-summary")
    expect(summary).to_have_count(1)
    link = summary.get_by_role("link", name=NAME, exact=True)
    expect(link).to_have_attribute("href", f"/metrics/{yearly_count.pk}/")
    # The latest complete year's count.
    expect(summary.locator(".metric-value")).to_have_text(counts.values[1])
    expect(summary).to_contain_text(counts.labels[1])
    expect(section).not_to_contain_text(other.name)
    problems = layout_problems(page, page_problems, "the goal page with its metrics (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)

    link.click()
    expect(page).to_have_url(f"/metrics/{yearly_count.pk}/")
    expect_values(page, counts)
    page_problems.assert_none("the metric's page, opened from the goal page")


def test_the_metrics_and_a_metric_of_each_kind_fit_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    strategy: Strategy,
    goal: Goal,
    yearly_count: Metric,
    manual_metric: Metric,
):
    other_goal = strategy.goals.get(number=3)
    participants_metric = computed_metric(
        name="Osallistujat jalkautuvassa työssä ja muussa toiminnassa yhteensä neljännesvuosittain",
        unit="hlö",
        goal=other_goal,
        period=Period.QUARTER,
        definition={"aggregation": "participants", "status": "done"},
    )
    MeasurementFactory.create(
        metric=manual_metric,
        period_start=datetime.date(2025, 4, 1),
        value=Decimal("3.5"),
        source=SOURCE,
        note="Vastaajia 412.",
        entered_by=leadership_user,
    )
    counts = expected(Period.YEAR, count, strategy.start_year)
    page.set_viewport_size(PHONE)
    login(page, leadership_user)
    page.goto(METRICS_URL)

    # By goal: goal 2's two metrics, then goal 3's one, each with its status.
    sections = page.locator("main section")
    expect(sections).to_have_count(2)
    expect(sections.nth(0).locator("h2 a")).to_have_attribute("href", f"/goals/{goal.number}/")
    expect(sections.nth(1).locator("h2 a")).to_have_attribute(
        "href", f"/goals/{other_goal.number}/"
    )
    expect(sections.nth(0).locator("article.metric-summary header a")).to_have_text(
        sorted([NAME, MANUAL_NAME])
    )
    expect(sections.nth(1).locator("article.metric-summary header a")).to_have_text(
        [participants_metric.name]
    )
    expect(page.locator("article.metric-summary .status")).to_have_text(
        [shown("No target yet")] * 3
    )
    counted = page.locator("article.metric-summary").filter(has_text=NAME)
    expect(counted.locator(".metric-value")).to_have_text(counts.values[1])
    expect(page.get_by_role("button", name=shown("Define a metric"))).to_have_count(0)
    problems = layout_problems(page, page_problems, "the metrics (390 px)")

    page.goto(f"/metrics/{participants_metric.pk}/")
    expect(page.locator("main h1")).to_have_text(participants_metric.name)
    expect_values(page, expected(Period.QUARTER, participants, strategy.start_year))
    problems += layout_problems(page, page_problems, "an activity metric's page (390 px)")

    page.goto(f"/metrics/{manual_metric.pk}/")
    entered = page.locator('section[aria-labelledby="measurements-title"] tbody tr')
    expect(entered.locator("td").first).to_have_text("3,50")
    problems += layout_problems(page, page_problems, "a manual metric's page (390 px)")
    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)


def test_the_state_line_polls_until_the_values_are_computed(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    strategy: Strategy,
    goal: Goal,
    logged: list[Activity],
):
    """Saved, but not computed yet (the worker is busy): the page says so and asks again every
    two seconds, without being loaded again, until the values are computed."""
    metric = MetricFactory.create(name=NAME, goal=goal, period=Period.YEAR)
    state_url = f"/metrics/{metric.pk}/state/"

    def is_poll(response: Response) -> bool:
        return urlsplit(response.url).path == state_url

    def next_poll() -> None:
        answer = page.wait_for_event("response", is_poll)
        assert answer.status == 200
        assert answer.request.header_value("hx-request") == "true"
        wait_for_htmx(page)

    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page.goto(f"/metrics/{metric.pk}/")
    state = page.locator("#metric-state")
    expect(state).to_have_text(shown("Recomputing…"))
    expect(state).to_have_attribute("hx-get", state_url)
    expect(
        page.locator('section[aria-labelledby="values-title"] tr.values__shown td')
    ).to_have_text(shown("No values yet."))
    page_problems.assert_none("a metric's page while it is computed")
    page.evaluate(MARK_PAGE_JS)

    next_poll()
    expect(state).to_have_text(shown("Recomputing…"))
    expect(state).to_have_attribute("hx-get", state_url)

    # The worker finishes between two polls (the page is idle: on SQLite the test and the
    # live server share one connection).
    services.recompute_metric(metric.pk)
    next_poll()

    expect_computed(page)
    assert page.evaluate(PAGE_MARKED_JS), "the page was loaded again"
    page_problems.assert_none("a metric's page once it is computed")

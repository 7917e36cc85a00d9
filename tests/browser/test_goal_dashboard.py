"""The goal dashboards in a real browser: leadership goes from the progress overview to a goal,
filters it to one basic district and one year (HTMX swaps the page's body and pushes the URL,
so a reload and a link keep the filter), reads a metric's numbers there and on the metric's
own page, and prints the goal; a metric being recomputed polls until it is fresh, then stops;
the pages read well on a phone and pass the accessibility check in Finnish, Swedish and
English.

The data: activities linked to goal 3 in two basic districts (and a sub-district of one),
in the quarters of 2025 and one in 2024, counted per quarter by a metric of goal 3. 2025 is
over (the tests do not freeze time: the browser's cookies live in real time), so its four
quarters are complete and none is marked "in progress".

On SQLite the live server's threads share the test's one database connection, so the tests
wait for each HTMX request they cause before they act again or touch the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User
from django.utils import translation
from playwright.sync_api import Page, Request, Response, expect

from goals.models import Goal, Strategy
from measures import services
from measures.models import Metric, Period, StalePeriod
from neighbourhoods.models import Area
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import (
    LANGUAGES,
    accessibility_problems,
    layout_problems,
    switch_language,
    translated,
    wait_for_htmx,
)
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GOAL = 3
YEAR = 2025
QUARTERS = [f"{YEAR} Q{q}" for q in (1, 2, 3, 4)]
METRIC_NAME = "Toiminnat alueittain"
PICKED, SUB_DISTRICT, OTHER = "Ala-Testilä", "Testilänranta", "Ylä-Testilä"

# Marks the window, so that a test can tell the page was not loaded again meanwhile.
MARK_PAGE_JS = "() => { window.goalDashboardTestMark = true; }"
PAGE_MARKED_JS = "() => window.goalDashboardTestMark === true"

# Activities per quarter of 2025 (Q1–Q4), where they were logged.
IN_PICKED = (2, 1, 0, 1)  # the basic district the tests filter to
IN_SUB_DISTRICT = (0, 0, 1, 0)  # a sub-district of it
IN_OTHER = (1, 3, 2, 1)  # another basic district
# What the metric shows: the picked district counts its sub-district's activities too.
PICKED_VALUES = [str(a + b) for a, b in zip(IN_PICKED, IN_SUB_DISTRICT, strict=True)]
SUB_DISTRICT_VALUES = [str(n) for n in IN_SUB_DISTRICT]
ALL_VALUES = [str(a + b + c) for a, b, c in zip(IN_PICKED, IN_SUB_DISTRICT, IN_OTHER, strict=True)]
assert PICKED_VALUES != ALL_VALUES


@dataclass(frozen=True)
class Data:
    goal: Goal
    picked: Area  # a basic district
    sub_district: Area  # part of the picked one
    other: Area  # another basic district
    metric: Metric  # activities per quarter, goal 3's

    @property
    def dashboard(self) -> str:
        return f"/dashboard/goals/{self.goal.number}/"

    @property
    def filtered(self) -> str:
        """The goal dashboard filtered to the picked district in 2025."""
        return f"{self.dashboard}?start={YEAR}&end={YEAR}&area={self.picked.pk}"

    @property
    def metric_page(self) -> str:
        return f"/metrics/{self.metric.pk}/"


@pytest.fixture
def data(strategy: Strategy) -> Data:
    goal = strategy.goals.get(number=GOAL)
    municipality = AreaFactory.create(level=Area.Level.MUNICIPALITY, name_fi="Testikaupunki")
    picked = AreaFactory.create(
        level=Area.Level.BASIC_DISTRICT, parent=municipality, name_fi=PICKED
    )
    other = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, parent=municipality, name_fi=OTHER)
    sub_district = AreaFactory.create(
        level=Area.Level.SUB_DISTRICT, parent=picked, name_fi=SUB_DISTRICT
    )
    for area, counts in ((picked, IN_PICKED), (sub_district, IN_SUB_DISTRICT), (other, IN_OTHER)):
        for quarter, count in enumerate(counts):
            day = datetime.date(YEAR, quarter * 3 + 2, 10)
            ActivityFactory.create_batch(count, date=day, area=area, goals=[goal])
    # Before the range: the unfiltered dashboard shows it, the filtered one does not.
    ActivityFactory.create(date=datetime.date(YEAR - 1, 11, 5), area=picked, goals=[goal])
    metric = MetricFactory.create(goal=goal, period=Period.QUARTER, name=METRIC_NAME)
    services.recompute_metric(metric.pk)
    metric.refresh_from_db()
    assert metric.computed_at is not None
    return Data(goal, picked, sub_district, other, metric)


def shown(message: str) -> str:
    return translated("fi", message)


def computed_ago() -> re.Pattern[str]:
    """ "Computed … ago." in Finnish, however long ago."""
    text = re.escape(translated("fi", "Computed %(ago)s ago.", ago="\x00"))
    return re.compile("^" + text.replace("\x00", ".+") + "$")


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def numbers(page: Page, scope: str) -> tuple[list[str], list[str]]:
    """The period labels and the shown area's values of the first numbers table in scope."""
    table = page.locator(f"{scope} table.values--periods").first
    labels = table.locator("thead th").all_inner_texts()[1:]
    values = table.locator("tbody tr.values__shown td").all_inner_texts()
    return [label.strip() for label in labels], [value.strip() for value in values]


def choose(page: Page, name: str, value: str) -> None:
    """Choose in the filter's select `name`; wait for HTMX to swap the page's body."""
    path = urlsplit(page.url).path

    def is_filter(response: Response) -> bool:
        request = response.request
        return urlsplit(response.url).path == path and request.header_value("hx-request") == "true"

    with page.expect_response(is_filter) as answer:
        page.locator(f'form.dashboard-filter select[name="{name}"]').select_option(value)
    assert answer.value.status == 200
    wait_for_htmx(page)
    expect(page.locator(f'form.dashboard-filter select[name="{name}"]')).to_have_value(value)


def expect_filter(page: Page, data: Data) -> None:
    form = page.locator("form.dashboard-filter")
    expect(form.locator('select[name="area"]')).to_have_value(str(data.picked.pk))
    expect(form.locator('select[name="start"]')).to_have_value(str(YEAR))
    expect(form.locator('select[name="end"]')).to_have_value(str(YEAR))


def test_leadership_filters_a_goal_to_a_district_reads_its_numbers_and_prints_it(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    data: Data,
):
    login(page, leadership_user)  # lands on /dashboard/
    page.locator(f"section.goal-progress h2#goal-{GOAL} a").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/goals/{GOAL}/\?"))
    with translation.override("fi"):
        expect(page.locator("main h1")).to_have_text(f"{GOAL}. {data.goal.title}")
    panel = f"section.metric-panel#panel-{data.metric.pk}"
    expect(page.locator(f"{panel} h2")).to_have_text(METRIC_NAME)

    # Unfiltered: all areas over the strategy's years, 2024's activity included.
    labels, values = numbers(page, panel)
    assert f"{YEAR - 1} Q4" in labels
    assert [dict(zip(labels, values, strict=True))[q] for q in QUARTERS] == ALL_VALUES
    page_problems.assert_none("the goal dashboard")

    # The filter applies on change, without loading the page again, and pushes the URL.
    page.evaluate(MARK_PAGE_JS)
    choose(page, "area", str(data.picked.pk))
    choose(page, "start", str(YEAR))
    choose(page, "end", str(YEAR))
    assert page.evaluate(PAGE_MARKED_JS), "the filter loaded the page again"
    assert urlsplit(page.url).path == data.dashboard
    asked = query(page)
    assert asked["area"] == [str(data.picked.pk)]
    assert asked["start"] == [str(YEAR)]
    assert asked["end"] == [str(YEAR)]
    page_problems.assert_none("the goal dashboard, filtered by HTMX")

    # A reload shows the same view.
    page.reload()
    expect_filter(page, data)
    expect(page.locator("p.dashboard-scope strong")).to_have_text(f"{PICKED} · {YEAR}")
    table = page.locator(f"{panel} table.values--periods")
    expect(table.locator("thead th")).to_have_text([shown("Area"), *QUARTERS])
    expect(table.locator("tbody tr.values__shown th")).to_have_text(PICKED)
    expect(table.locator("tbody tr.values__shown td")).to_have_text(PICKED_VALUES)
    # The breakdown: the district's sub-districts.
    expect(table.locator("tbody tr:not(.values__shown) th")).to_have_text([SUB_DISTRICT])
    expect(table.locator("tbody tr:not(.values__shown) td")).to_have_text(SUB_DISTRICT_VALUES)
    expect(page.locator(f"{panel} figure.chart svg.chart__svg")).to_be_visible()
    labels, values = numbers(page, panel)
    assert labels == QUARTERS
    assert values == PICKED_VALUES
    page_problems.assert_none("the goal dashboard, filtered and loaded again")

    # The metric's heading takes the filter to the metric's page, which shows the same.
    page.locator(f"{panel} h2 a").click()
    expect(page).to_have_url(re.compile(rf"{data.metric_page}\?"))
    assert {k: v for k, v in query(page).items() if k != "strategy"} == {
        "area": [str(data.picked.pk)],
        "start": [str(YEAR)],
        "end": [str(YEAR)],
    }
    expect(page.locator("main h1")).to_have_text(METRIC_NAME)
    expect_filter(page, data)
    expect(page.locator("#metric-values tbody tr.values__shown th")).to_have_text(PICKED)
    assert numbers(page, "#metric-values") == (labels, values)
    page_problems.assert_none("the metric's page, filtered")

    # Printed: the content only, the chart whole.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"{data.dashboard}\?"))
    expect_filter(page, data)
    page.emulate_media(media="print")
    for hidden in (
        "nav.site-nav",
        "form.language-switcher",
        "form.dashboard-filter",
        "nav.goal-switch",
        "nav.breadcrumb",
        ".skip-link",
    ):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("button:visible")).to_have_count(0)
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("p.dashboard-scope")).to_be_visible()  # what the numbers are
    chart = page.locator(f"{panel} figure.chart")
    expect(chart).to_be_visible()
    expect(page.locator(f"{panel} table.values--periods")).to_be_visible()
    breaks = page.locator("figure.chart").evaluate_all(
        "figures => figures.map(figure => getComputedStyle(figure).breakInside)"
    )
    assert breaks
    assert set(breaks) == {"avoid"}
    panel_break = page.locator(panel).evaluate("panel => getComputedStyle(panel).breakInside")
    assert panel_break == "avoid-page"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    page_problems.assert_none("the goal dashboard, printed")


def test_a_metric_being_recomputed_polls_until_it_is_fresh_then_stops(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    data: Data,
):
    stale = StalePeriod.objects.create(metric=data.metric, period_start=None)
    panel_url = f"{data.dashboard}metrics/{data.metric.pk}/"
    polls: list[Request] = []
    page.on("request", lambda r: polls.append(r) if urlsplit(r.url).path == panel_url else None)

    def is_poll(response: Response) -> bool:
        return urlsplit(response.url).path == panel_url

    def next_poll() -> Response:
        answer = page.wait_for_event("response", is_poll, timeout=8_000)
        assert answer.status == 200
        assert answer.request.header_value("hx-request") == "true"
        wait_for_htmx(page)
        return answer

    login(page, leadership_user)
    page.goto(data.filtered)
    panel = page.locator(f"section.metric-panel#panel-{data.metric.pk}")
    freshness = panel.locator("p.freshness")
    expect(freshness).to_have_text(shown("Recomputing…"))
    expect(panel).to_have_attribute("hx-trigger", "every 3s")
    expect(panel).to_have_attribute("hx-get", re.compile(re.escape(panel_url) + r"\?"))
    # Polls carry the filter, so the fresh section shows the same district and range.
    asked = parse_qs(urlsplit(panel.get_attribute("hx-get") or "").query)
    assert asked["area"] == [str(data.picked.pk)]
    assert asked["start"] == asked["end"] == [str(YEAR)]
    # Only the metric being recomputed polls (one request at a time on SQLite).
    expect(page.locator("section.metric-panel[hx-trigger]")).to_have_count(1)
    page_problems.assert_none("the goal dashboard while a metric is recomputed")
    page.evaluate(MARK_PAGE_JS)

    answer = next_poll()
    assert parse_qs(urlsplit(answer.url).query)["area"] == [str(data.picked.pk)]
    expect(freshness).to_have_text(shown("Recomputing…"))
    expect(panel).to_have_attribute("hx-trigger", "every 3s")

    # The recompute ends between two polls (the page is idle).
    stale.delete()
    data.metric.refresh_from_db()
    assert data.metric.computed_at is not None
    next_poll()

    expect(freshness).to_have_text(computed_ago(), timeout=8_000)
    expect(panel).not_to_have_attribute("hx-get", re.compile(".*"))
    expect(panel).not_to_have_attribute("hx-trigger", re.compile(".*"))
    expect(panel.locator("tbody tr.values__shown th")).to_have_text(PICKED)
    expect(panel.locator("tbody tr.values__shown td")).to_have_text(PICKED_VALUES)
    assert page.evaluate(PAGE_MARKED_JS), "the page was loaded again"

    # Polling has stopped: no request for the section over more than one interval.
    made = len(polls)
    assert made >= 2
    page.wait_for_timeout(4_500)
    assert len(polls) == made, f"{len(polls) - made} more polls after the metric was fresh"
    page_problems.assert_none("the goal dashboard once the metric is fresh")


def test_the_goal_dashboard_and_a_metric_page_read_well_on_a_phone_in_every_language(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    data: Data,
):
    pages = {
        "the goal dashboard": data.dashboard,
        "the goal dashboard, filtered": data.filtered,
        "a metric's page": data.metric_page,
        "a metric's page, filtered": f"{data.metric_page}?start={YEAR}&end={YEAR}"
        f"&area={data.picked.pk}",
    }
    page.set_viewport_size(PHONE)
    login(page, leadership_user)
    layout: list[str] = []
    accessibility: list[str] = []
    for language in LANGUAGES:
        page.goto(data.dashboard)
        switch_language(page, language)
        for name, url in pages.items():
            where = f"{name} ({language}, 390 px)"
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("table.values--periods").first).to_be_visible()
            layout += layout_problems(page, page_problems, where)
            accessibility += accessibility_problems(page, where)
        # The unfiltered table is wider than the phone: it scrolls inside its wrapper.
        page.goto(data.dashboard)
        scroll = page.locator(f"#panel-{data.metric.pk} .table-scroll")
        overflow = scroll.evaluate(
            "box => [getComputedStyle(box).overflowX, box.scrollWidth, box.clientWidth]"
        )
        assert overflow[0] in ("auto", "scroll")
        assert overflow[1] > overflow[2], "the numbers table should scroll sideways on a phone"
    assert not layout, "wider than a 390 px phone:\n" + "\n".join(layout)
    assert not accessibility, "accessibility violations:\n" + "\n".join(accessibility)

"""The inequality meter in a real browser, as leadership, with Helsinki's districts and the 2023
statistics loaded and activities logged in two districts: the meter shows the map, the chart
and the table; a district in the table opens its dashboard, and that the activity log filtered
to the district and the year; on
a 390 px phone nothing scrolls sideways; axe-core finds no serious or critical violation in
Finnish, Swedish and English."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from measures import services
from neighbourhoods.models import Area
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import (
    LANGUAGES,
    accessibility_problems,
    layout_problems,
    switch_language,
    translated,
)
from tests.factories.activity import ActivityFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

YEAR = 2025
SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


@pytest.fixture
def meter_data(strategy) -> dict[str, Area]:
    call_command("import_districts", stdout=StringIO())
    call_command("import_area_statistics", stdout=StringIO())
    services.built_in_metrics_ensure(strategy.goals.get(number=3))
    kontula = Area.objects.get(name="Kontula", level=Area.Level.SUB_DISTRICT)
    linjat = Area.objects.get(name="Linjat", level=Area.Level.SUB_DISTRICT)
    for area, count in ((kontula, 3), (linjat, 1)):
        for _ in range(count):
            ActivityFactory.create(
                date=datetime.date(YEAR, 4, 4), area=area, title=f"Kerho {area.name}"
            )
    services.recompute_all()
    assert kontula.parent is not None
    assert linjat.parent is not None
    return {"Mellunkylä": kontula.parent, "Kallio": linjat.parent}


def test_leadership_goes_from_the_meter_to_a_districts_log(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    meter_data: dict[str, Area],
):
    login(page, leadership_user)
    page.goto(f"/inequality/?year={YEAR}")

    expect(page.locator("main h1")).to_have_text(translated("fi", "Inequality meter"))
    expect(page.locator(".meter-map svg path")).to_have_count(34)
    expect(page.locator(".meter-scatter svg circle")).to_have_count(34)
    expect(page.locator("table.meter-table tbody tr")).to_have_count(34)
    mellunkyla = meter_data["Mellunkylä"]
    row = page.locator(f"#district-{mellunkyla.code}")
    expect(row).to_contain_text("Mellunkylä")
    # The map's district links to its row of the table, which the table alternative carries.
    expect(page.locator(f'.meter-map a[href="#district-{mellunkyla.code}"]')).to_have_count(1)

    row.get_by_role("link", name="Mellunkylä").click()

    # The district's dashboard: over the years, its need profile, its sub-districts.
    expect(page).to_have_url(f"/dashboard/areas/{mellunkyla.code}/?year={YEAR}")
    expect(page.locator("main h1")).to_have_text("Mellunkylä")
    expect(page.locator("table.area-parts")).to_contain_text("Kontula")
    problems = accessibility_problems(page, "a district's dashboard")
    assert not problems, "\n".join(problems)
    page.locator("main header").get_by_role("link").first.click()

    expect(page).to_have_url(
        f"/activities/?area={mellunkyla.pk}&date_from={YEAR}-01-01&date_to={YEAR}-12-31"
    )
    expect(page.locator("main")).to_contain_text("Kerho Kontula")
    expect(page.locator("main")).not_to_contain_text("Kerho Linjat")
    page_problems.assert_none("the meter and the filtered log")


def test_the_meter_and_the_neighbourhood_pages_fit_a_phone_and_pass_axe_in_each_language(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    meter_data: dict[str, Area],
):
    page.set_viewport_size(PHONE)
    login(page, leadership_user)
    problems: list[str] = []
    district = meter_data["Mellunkylä"]
    pages = [
        f"/inequality/?year={YEAR}",
        f"/dashboard/areas/?year={YEAR}",
        f"/dashboard/areas/{district.code}/?year={YEAR}",
    ]
    for language in LANGUAGES:
        for path in pages:
            page.goto(path)
            if language != "fi" and path == pages[0]:
                switch_language(page, language)  # the choice stays for the next pages
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("main h1")).to_be_visible()
            width = page.evaluate(SCROLL_WIDTH_JS)[0]
            if width > PHONE["width"]:
                problems.append(f"{path} ({language}) scrolls sideways: {width} px")
            problems += layout_problems(page, page_problems, f"{path} ({language})")
            problems += accessibility_problems(page, f"{path} ({language})")

    assert not problems, "\n".join(problems)

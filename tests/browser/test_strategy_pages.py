"""The strategy pages in a real browser: logging in, the strategy house, a goal page, the
language switch, the phone layout and the README screenshots.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import translation
from playwright.sync_api import Browser, Page, ViewportSize, expect

from goals.models import Goal, Strategy
from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, PageProblems
from tests.browser.helpers import (
    LANGUAGES,
    html_lang,
    layout_problems,
    switch_language,
    translated,
)

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the three role groups and their permissions) before every test,
# since the flush after a transactional test would otherwise remove them.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def goals_of(strategy: Strategy) -> list[Goal]:
    with translation.override(settings.LANGUAGE_CODE):
        return list(strategy.goals.order_by("number"))


def expect_interface_in(page: Page, language: str, user: AbstractBaseUser) -> None:
    """The navigation of a logged-in page is in `language`."""
    html_lang(page).to_have_attribute("lang", language)
    menu = page.locator("details.user-menu")
    expect(menu.locator("summary")).to_have_text(translated(language, "Menu"))
    menu.locator("summary").click()
    expect(menu.locator('form[action="/logout/"] button')).to_have_text(
        translated(language, "Log out (%(name)s)", name=user.get_username())
    )
    menu.locator("summary").click()


@pytest.fixture
def users(staff_user, leadership_user, admin_role_user) -> dict[str, AbstractBaseUser]:
    return {"staff": staff_user, "leadership": leadership_user, "admin": admin_role_user}


@pytest.mark.parametrize("role", ["staff", "leadership", "admin"])
def test_each_role_logs_in_and_opens_goal_2_from_the_strategy_house(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    users: dict[str, AbstractBaseUser],
    role: str,
):
    goals = goals_of(strategy)
    assert len(goals) == 4
    goal = goals[1]
    with translation.override(settings.LANGUAGE_CODE):
        means = [m.text for m in goal.means_set.order_by("position")]
        outcomes = [o.text for o in goal.outcome_set.order_by("position")]
    assert means
    assert outcomes

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    page_problems.assert_none("the login page")

    login(page, users[role], lands_on="/")
    expect(page.locator("h1")).to_have_text(strategy.name)
    expect(page.locator(".goal-pillar__title")).to_have_text([g.title for g in goals])
    page_problems.assert_none("the strategy house")

    page.locator(".goal-pillar a").filter(has_text=goal.title).click()
    expect(page).to_have_url(f"/goals/{goal.number}/")
    expect(page.locator("h1")).to_contain_text(goal.title)
    expect(page.locator("ol.means > li > a")).to_have_text(means)
    expect(page.locator("ul.outcomes > li")).to_have_text(outcomes)
    page_problems.assert_none(f"the page of goal {goal.number}")


# Where the text of an element starts (its padding aside) and how big its font is.
TEXT_LEFT_JS = """(el) => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return range.getBoundingClientRect().left;
}"""
FONT_SIZE_JS = "(el) => parseFloat(getComputedStyle(el).fontSize)"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_goal_title_is_the_largest_heading_on_the_goal_page(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    staff_user: AbstractBaseUser,
    viewport: ViewportSize,
):
    page.set_viewport_size(viewport)
    login(page, staff_user)
    page.goto("/goals/2/")
    page_problems.assert_none("the page of goal 2")

    title_size = page.locator("main h1").evaluate(FONT_SIZE_JS)
    section_sizes = [h2.evaluate(FONT_SIZE_JS) for h2 in page.locator("main h2").all()]
    assert section_sizes
    assert title_size > max(section_sizes), (
        f"the goal's title (h1) is set in {title_size}px, the section headings (h2) in "
        f"{max(section_sizes)}px: the page title looks like a footnote"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_goal_page_navigation_lines_up_with_the_content(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    staff_user: AbstractBaseUser,
    viewport: ViewportSize,
):
    page.set_viewport_size(viewport)
    login(page, staff_user)
    page.goto("/goals/2/")
    page_problems.assert_none("the page of goal 2")

    content = page.locator("#description-title").evaluate(TEXT_LEFT_JS)
    for name, selector in [("breadcrumbs", ".breadcrumb a"), ("goal links", ".goal-nav a")]:
        start = page.locator(selector).first.evaluate(TEXT_LEFT_JS)
        assert abs(start - content) <= 1, (
            f"the {name}' text begins at {start}px, the content's at {content}px"
        )


def test_language_switch_on_the_strategy_house_sticks_on_the_next_page(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    leadership_user: AbstractBaseUser,
):
    goal = goals_of(strategy)[1]
    login(page, leadership_user)
    page.goto("/")  # leadership lands on the progress overview
    expect_interface_in(page, settings.LANGUAGE_CODE, leadership_user)
    page_problems.assert_none("the strategy house in Finnish")

    for language in ("sv", "en"):
        switch_language(page, language)
        expect_interface_in(page, language, leadership_user)
        expect(page.locator("#vision-title")).to_have_text(translated(language, "Vision"))
        expect(page.locator("#mission-title")).to_have_text(translated(language, "Mission"))
        page_problems.assert_none(f"the strategy house after switching to {language}")

        # The choice is remembered: the goal page comes in the same language.
        page.locator(f'.goal-pillar a[href="/goals/{goal.number}/"]').click()
        expect(page).to_have_url(f"/goals/{goal.number}/")
        expect_interface_in(page, language, leadership_user)
        expect(page.locator("#means-title")).to_have_text(translated(language, "Means"))
        expect(page.locator(".breadcrumb li").last).to_have_text(
            translated(language, "Strategic goal %(number)s", number=goal.number)
        )
        page_problems.assert_none(f"the page of goal {goal.number} in {language}")
        page.goto("/")


def test_language_switch_on_the_login_page_before_logging_in(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    staff_user: AbstractBaseUser,
):
    page.goto("/login/")
    html_lang(page).to_have_attribute("lang", settings.LANGUAGE_CODE)
    page_problems.assert_none("the login page")

    for language in ("sv", "en", "fi"):
        switch_language(page, language)
        expect(page.locator("h1")).to_have_text(translated(language, "Log in"))
        expect(page.locator('form[action="/login/"] button[type="submit"]')).to_have_text(
            translated(language, "Log in")
        )
        page_problems.assert_none(f"the login page in {language}")

    # The language chosen before logging in stays after it.
    switch_language(page, "sv")
    login(page, staff_user)
    expect_interface_in(page, "sv", staff_user)
    page_problems.assert_none("the strategy house after logging in in Swedish")


def test_browser_asking_for_an_unsupported_language_gets_finnish(
    browser: Browser, live_server, page_problems: PageProblems
):
    context = browser.new_context(base_url=live_server.url, locale="de-DE")
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page_problems.watch(page)
        page.goto("/login/")
        html_lang(page).to_have_attribute("lang", settings.LANGUAGE_CODE)
        expect(page.locator("h1")).to_have_text(translated(settings.LANGUAGE_CODE, "Log in"))
        page_problems.assert_none("the login page")
    finally:
        context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_horizontal_scroll_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    leadership_user: AbstractBaseUser,
    language: str,
):
    page.set_viewport_size(PHONE)
    problems: list[str] = []

    page.goto("/login/")
    switch_language(page, language)
    problems += layout_problems(page, page_problems, f"the login page ({language})")

    login(page, leadership_user)
    html_lang(page).to_have_attribute("lang", language)
    problems += layout_problems(page, page_problems, f"the strategy house ({language})")

    # The open user menu is part of the layout, too.
    page.locator("details.user-menu summary").click()
    problems += layout_problems(
        page, page_problems, f"the strategy house with the menu open ({language})"
    )

    for goal in goals_of(strategy):
        page.goto(f"/goals/{goal.number}/")
        problems += layout_problems(
            page, page_problems, f"the page of goal {goal.number} ({language})"
        )

    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)


def test_anonymous_visitor_opening_a_goal_is_sent_to_the_login_page_and_back(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    staff_user: AbstractBaseUser,
):
    page.goto("/goals/1/")

    url = urlsplit(page.url)
    assert url.path == "/login/"
    assert parse_qs(url.query) == {"next": ["/goals/1/"]}
    expect(page.locator("#id_username")).to_be_visible()
    page_problems.assert_none("the login page")

    login(page, staff_user, lands_on="/goals/1/")
    expect(page.locator("h1")).to_contain_text(goals_of(strategy)[0].title)
    page_problems.assert_none("the page of goal 1")


def png_size(data: bytes) -> tuple[int, int]:
    """The width and height from a PNG's header (its IHDR chunk comes first)."""
    assert data[:8] == PNG_SIGNATURE, "not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_readme_screenshots(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
    leadership_user: AbstractBaseUser,
    tmp_path: Path,
):
    """Takes the README's screenshot.png and screenshot-mobile.png: into a temporary folder,
    or into SCREENSHOTS_DIR when it is set (`make screenshots` sets it to docs/)."""
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path)
    folder.mkdir(exist_ok=True)
    desktop_path = folder / "screenshot.png"
    mobile_path = folder / "screenshot-mobile.png"

    login(page, leadership_user)
    page.goto("/")  # leadership lands on the progress overview
    expect(page.locator(".goal-pillar")).to_have_count(4)
    page_problems.assert_none("the strategy house")
    page.screenshot(path=desktop_path, full_page=True)

    page.set_viewport_size(PHONE)
    page.reload()
    expect(page.locator(".goal-pillar")).to_have_count(4)
    page_problems.assert_none("the strategy house on a phone")
    page.screenshot(path=mobile_path)

    desktop = desktop_path.read_bytes()
    width, height = png_size(desktop)
    assert width == DESKTOP["width"]
    assert height > DESKTOP["height"], "the full-page screenshot should be taller than the window"
    assert len(desktop) > 50_000

    mobile = mobile_path.read_bytes()
    assert png_size(mobile) == (PHONE["width"], PHONE["height"])
    assert len(mobile) > 20_000

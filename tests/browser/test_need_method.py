"""The need index's method page in a real browser, with the 2023 statistics loaded: its table
of every basic district fits a phone (the table scrolls inside its box, the page does not),
and axe-core finds no serious or critical violation, in Finnish, Swedish and English."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import (
    LANGUAGES,
    accessibility_problems,
    layout_problems,
    switch_language,
    translated,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_the_method_page_fits_a_phone_and_passes_the_accessibility_check_in_each_language(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
):
    call_command("import_districts", stdout=StringIO())
    call_command("import_area_statistics", stdout=StringIO())
    page.set_viewport_size(PHONE)
    login(page, leadership_user)
    problems: list[str] = []

    for language in LANGUAGES:
        page.goto("/inequality/method/")
        if language != "fi":
            switch_language(page, language)
        heading = translated(language, "How the need index is computed")
        expect(page.locator("main h1")).to_have_text(heading)
        # 34 basic districts and Helsinki, each with its index.
        expect(page.locator("table.need-table tbody tr")).to_have_count(35)
        assert page.evaluate(SCROLL_WIDTH_JS)[0] <= PHONE["width"], language
        problems += layout_problems(page, page_problems, f"/inequality/method/ ({language})")
        problems += accessibility_problems(page, f"the method page ({language})")

    assert not problems, "\n".join(problems)

"""The progress overview in a real browser: leadership logs in and lands on it; it reads well
on a phone and passes the accessibility check in Finnish, Swedish and English."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from goals.models import Strategy
from measures import services
from measures.models import MetricTarget, Period
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import assert_accessible, layout_problems, switch_language
from tests.factories.activity import ActivityFactory
from tests.factories.metric import MetricFactory
from tests.factories.strategy import StrategyFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def metrics(strategy: Strategy) -> None:
    ActivityFactory.create_batch(3, date=datetime.date(2025, 4, 1))
    for number, target in ((1, 3), (2, 30)):
        metric = MetricFactory.create(
            goal=strategy.goals.get(number=number), period=Period.QUARTER, name=f"Mittari {number}"
        )
        MetricTarget.objects.create(metric=metric, year=2025, value=target)
        services.recompute_metric(metric.pk)
    MetricFactory.create(goal=strategy.goals.get(number=3), name="Ilman tavoitetta")


def test_leadership_lands_on_the_overview_which_reads_well_in_every_language(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    metrics: None,
):
    page.set_viewport_size(PHONE)
    login(page, leadership_user)  # lands on /dashboard/

    expect(page.locator("section.goal-progress")).to_have_count(4)
    expect(page.locator("section.goal-progress .metric-summary")).to_have_count(3)
    for language in ("fi", "sv", "en"):
        switch_language(page, language)
        problems = layout_problems(page, page_problems, f"/dashboard/ ({language})")
        assert not problems, "wider than a 390 px phone:\n" + "\n".join(problems)
        assert_accessible(page, f"the progress overview ({language})")


def test_the_overview_prints_without_navigation_and_with_its_cards_whole(
    page: Page, login: Callable[..., None], leadership_user: User, metrics: None
):
    login(page, leadership_user)
    page.emulate_media(media="print")

    expect(page.locator("nav.site-nav")).to_be_hidden()
    expect(page.locator("form.language-switcher")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("main header.page-title .dashboard-scope")).to_be_visible()
    breaks = page.locator(".metric-summary").evaluate_all(
        "cards => cards.map(card => getComputedStyle(card).breakInside)"
    )
    assert set(breaks) == {"avoid"}
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_choosing_another_strategy_shows_its_years(
    page: Page, login: Callable[..., None], leadership_user: User, metrics: None
):
    StrategyFactory.create(start_year=2020, end_year=2022, status=Strategy.Status.ARCHIVED)
    login(page, leadership_user)
    page.goto("/dashboard/?start=2025&end=2025")
    expect(page.locator(".dashboard-scope strong")).to_have_text("Kaikki alueet · 2025")

    page.locator("#id_strategy").select_option("2020-2022")

    expect(page).to_have_url(re.compile(r"/dashboard/\?strategy=2020-2022&area=$"))
    expect(page.locator(".dashboard-scope strong")).to_have_text("Kaikki alueet · 2020 – 2026")
    expect(page.locator("#id_start")).to_have_value("2020")

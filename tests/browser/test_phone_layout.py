"""Every page a staff member can reach, on a 390 × 844 phone: none may scroll sideways.

The pages come from the URL configuration: every named URL of the project is either a page
visited here (with the data the factories made, so that lists are not empty and long names
are in them) or named below as something else, with the reason. A URL added later fails the
first test until it is put on one side or the other.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from goals.models import Strategy
from measures import services as measure_services
from measures.models import Metric, Period
from neighbourhoods.models import Activity, Area, Partner, Signal, Unit
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import (
    assert_accessible,
    layout_problems,
    wait_for_htmx,
)
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.project import ProjectFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups and their permissions) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SCROLL_WIDTH_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"
EARLIER_ACTIVITIES = 29  # besides the one with every detail


@dataclass(frozen=True)
class Logged:
    """What the factories made for the staff member's pages."""

    strategy: Strategy
    activity: Activity
    signal: Signal
    partner: Partner
    activity_metric: Metric
    manual_metric: Metric


# The pages a staff member reaches, by URL name, each with the paths to visit.
PAGES: dict[str, Callable[[Logged], list[str]]] = {
    "login": lambda logged: ["/login/"],
    "goals:strategy": lambda logged: ["/"],
    "goals:goal": lambda logged: [
        f"/goals/{number}/"
        for number in logged.strategy.goals.order_by("number").values_list("number", flat=True)
    ],
    "goals:means": lambda logged: ["/goals/2/means/3/"],
    "goals:means_mine": lambda logged: ["/means/mine/"],
    "evaluation:outcome": lambda logged: ["/goals/2/outcomes/1/"],
    "evaluation:evaluation": lambda logged: [f"/strategies/{logged.strategy.slug}/evaluation/"],
    "neighbourhoods:need_method": lambda logged: ["/inequality/method/"],
    "measures:meter": lambda logged: ["/inequality/"],
    "measures:areas": lambda logged: ["/dashboard/areas/", "/dashboard/areas/?all=1"],
    "measures:area": lambda logged: [f"/dashboard/areas/{logged.activity.area.code}/"],
    "neighbourhoods:activities": lambda logged: ["/activities/"],
    "neighbourhoods:activities_mine": lambda logged: ["/activities/mine/"],
    "neighbourhoods:activity_create": lambda logged: ["/activities/new/"],
    "neighbourhoods:activity": lambda logged: [f"/activities/{logged.activity.pk}/"],
    "neighbourhoods:activity_update": lambda logged: [f"/activities/{logged.activity.pk}/edit/"],
    "neighbourhoods:activity_delete": lambda logged: [f"/activities/{logged.activity.pk}/delete/"],
    "neighbourhoods:signals": lambda logged: ["/signals/"],
    "neighbourhoods:signal_create": lambda logged: ["/signals/new/"],
    "neighbourhoods:signal": lambda logged: [f"/signals/{logged.signal.pk}/"],
    "neighbourhoods:signal_update": lambda logged: [f"/signals/{logged.signal.pk}/edit/"],
    "neighbourhoods:signal_delete": lambda logged: [f"/signals/{logged.signal.pk}/delete/"],
    "neighbourhoods:partners": lambda logged: ["/partners/"],
    "neighbourhoods:partner": lambda logged: [f"/partners/{logged.partner.pk}/"],
    "neighbourhoods:activity_import": lambda logged: ["/activities/import/"],
    "neighbourhoods:reporting_periods": lambda logged: ["/reporting-periods/"],
    "measures:dashboard": lambda logged: ["/dashboard/"],
    "measures:goal_dashboard": lambda logged: [
        f"/dashboard/goals/{number}/"
        for number in logged.strategy.goals.order_by("number").values_list("number", flat=True)
    ],
    "measures:metrics": lambda logged: ["/metrics/"],
    # A manual metric's page differs from an activity metric's: it lists the values entered.
    "measures:metric": lambda logged: [
        f"/metrics/{logged.activity_metric.pk}/",
        f"/metrics/{logged.manual_metric.pk}/",
    ],
}

# The named URLs that are not pages a staff member opens, and why.
NOT_STAFF_PAGES = {
    "neighbourhoods:activities_export_csv": "a download",
    "neighbourhoods:activities_export_xlsx": "a download",
    "neighbourhoods:activity_validate": "answers live validation (HTMX) with errors only",
    "neighbourhoods:signal_validate": "answers live validation (HTMX) with errors only",
    "neighbourhoods:activity_import_template": "a download",
    "neighbourhoods:import_batch": "an uploaded file's page, checked in test_activity_import.py",
    "neighbourhoods:import_batch_confirm": "a form's action (POST), no page",
    "neighbourhoods:import_undo": "a confirmation, checked in test_activity_import.py",
    "neighbourhoods:reporting_period_reopen": "for admins only",
    "measures:goal_metrics": "a fragment of the goal page, checked there",
    "measures:goal_statuses": "a fragment of the strategy house, checked there",
    "measures:goal_progress": "a fragment of the progress overview, checked there",
    "measures:goal_panel": "a fragment of a goal's dashboard, checked there",
    "measures:metric_values_xlsx": "a download",
    "measures:metric_state": "a fragment of a metric's page, checked there",
    "measures:metric_preview": "a fragment of the metric form, for admins only",
    "measures:metric_create": "for admins only",
    "measures:metric_update": "for admins only",
    "measures:metric_delete": "for admins only",
    "measures:measurement_create": "for leadership and admins only",
    "measures:measurement_update": "for leadership and admins only",
    "measures:measurement_delete": "for leadership and admins only",
    "goals:means_note_create": "a form's action (POST), no page",
    "goals:means_update": "a form's action (POST), for leadership and admins only",
    "neighbourhoods:means_activities": "a fragment of a means' page, checked there",
    "measures:means_metrics": "a fragment of a means' page, checked there",
    "evaluation:goal_outcomes": "a fragment of a goal's dashboard, checked there",
    "evaluation:activity_search": "a fragment of the assessment form, for leadership and admins",
    "evaluation:assessment_create": "a form's action (POST), for leadership and admins only",
    "evaluation:assessment_update": "for leadership and admins only",
    "evaluation:evaluation_save": "a form's action (POST), for leadership and admins only",
    "evaluation:evaluation_done": "a form's action (POST), for leadership and admins only",
    "evaluation:evaluation_reopen": "a form's action (POST), for leadership and admins only",
    "evaluation:current": "a redirect to the active strategy's evaluation, visited as that",
    "logout": "a form's action (POST), no page",
    "set_language": "a form's action (POST), no page",
    "healthz": "for the load balancer",
    "start": "a redirect after login, to the strategy or the progress overview",
    "admin": "the Django admin, for admins only",
}


def url_names(patterns: list[URLPattern | URLResolver], namespace: str = "") -> set[str]:
    """The names of the URLs, with their namespaces; the admin's as one."""
    names: set[str] = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.app_name == "admin":
                names.add("admin")
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


@pytest.fixture
def logged(strategy: Strategy, staff_user: User) -> Logged:
    """A staff member's activities, signals and partners, and metrics of both kinds, with the
    long names and texts that make a narrow screen hard."""
    area = AreaFactory.create(name_fi="Itä-Pakila", level=Area.Level.SUB_DISTRICT)
    unit = UnitFactory.create(name_fi="Kalliolan nuorisotalo", kind=Unit.Kind.YOUTH_WORK)
    unit.members.add(staff_user)
    kind = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    partners = [
        PartnerFactory.create(
            name="Helsingin kaupungin kulttuurin ja vapaa-ajan toimiala, nuorisopalvelut",
            sector=Partner.Sector.PUBLIC,
        ),
        PartnerFactory.create(name="Pakilan asukasyhdistys", sector=Partner.Sector.THIRD_SECTOR),
        PartnerFactory.create(
            name="Kaupunginosien yhteisöllisyysverkostojärjestö",
            sector=Partner.Sector.FOURTH_SECTOR,
        ),
    ]
    goal = strategy.goals.get(number=2)
    activity = ActivityFactory.create(
        title="Iltajalkautuminen ostoskeskuksessa ja nuorisotalon avoimet ovet",
        date=datetime.date(2025, 3, 12),
        area=area,
        unit=unit,
        type=kind,
        created_by=staff_user,
        project=ProjectFactory.create(name="Naapurustojen yhteisövoimaantumishanke"),
        participants_0_12=4,
        description="Nuoret kertoivat harrastusmahdollisuuksien puutteesta. " * 6,
        heard="Vanhemmat toivoivat maksuttomia iltapäiväkerhoja.",
        goals=[goal],
        means=list(goal.means_set.order_by("position")[:2]),
        themes=list(strategy.inequalitythemes.order_by("position")[:3]),
        partners=partners,
    )
    # More than a page of them, so that the lists show their page links too.
    for day in range(1, EARLIER_ACTIVITIES + 1):
        ActivityFactory.create(
            date=datetime.date(2024, 1, day),
            area=area,
            unit=unit,
            type=kind,
            created_by=staff_user,
            goals=[goal],
            partners=partners[:1],
        )
    signal = SignalFactory.create(
        text="Nuorisotalon lähellä ei ole iltaisin turvallista paikkaa, jossa olla. " * 3,
        area=area,
        unit=unit,
        activity=activity,
        created_by=staff_user,
        themes=list(strategy.inequalitythemes.order_by("position")[:2]),
    )
    activity_metric = MetricFactory.create(
        name="Nuorisotyön osallistujat ikäryhmittäin",
        goal=goal,
        period=Period.QUARTER,
        definition={"aggregation": "participants", "status": "done"},
    )
    manual_metric = MetricFactory.create(
        name="Kalliolan tunnettuus asukaskyselyssä",
        unit="%",
        goal=goal,
        kind=Metric.Kind.MANUAL,
        period=Period.YEAR,
        definition={},
    )
    MeasurementFactory.create(
        metric=manual_metric, value=Decimal("37.5"), source="Asukaskysely 2024"
    )
    for metric in (activity_metric, manual_metric):
        measure_services.recompute_metric(metric.pk)
    return Logged(strategy, activity, signal, partners[0], activity_metric, manual_metric)


def test_every_named_url_is_a_page_checked_here_or_named_as_not_one():
    names = url_names(get_resolver().url_patterns)
    unclassified = names - PAGES.keys() - NOT_STAFF_PAGES.keys()
    gone = (PAGES.keys() | NOT_STAFF_PAGES.keys()) - names
    assert not unclassified, f"URLs neither visited on a phone nor named as no page: {unclassified}"
    assert not gone, f"URLs named here that the project no longer has: {gone}"


def test_no_page_a_staff_member_reaches_scrolls_sideways_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    logged: Logged,
):
    scrolling: list[str] = []  # the pages wider than the screen
    problems: list[str] = []  # what on them reaches past its edge

    def check(where: str) -> None:
        scroll_width, inner_width = page.evaluate(SCROLL_WIDTH_JS)
        assert inner_width == PHONE["width"]
        if scroll_width > inner_width:
            scrolling.append(f"{where}: {scroll_width - inner_width} px too wide")
        problems.extend(layout_problems(page, page_problems, where))

    page.set_viewport_size(PHONE)
    page.goto("/login/")
    check("/login/")
    login(page, staff_user)
    paths = [path for name, paths in PAGES.items() if name != "login" for path in paths(logged)]
    for path in paths:
        page.goto(path)
        expect(page.locator("main h1")).to_be_visible()
        # Fragments (a goal's metrics, a metric's state) are loaded after the page.
        wait_for_htmx(page)
        check(path)

    # The menu, opened, spans the screen.
    page.goto("/")
    page.locator("header details.user-menu summary").click()
    check("/ with the menu open")

    report = "\n".join([*scrolling, *problems])
    assert not scrolling, f"pages that scroll sideways on a 390 px phone:\n{report}"
    assert not problems, f"wider than a 390 px phone:\n{report}"


def test_the_partners_fit_a_phone_and_pass_the_accessibility_check(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    logged: Logged,
):
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page.goto("/partners/")

    rows = page.locator("main .partner-list > li")
    expect(rows).to_have_count(3)
    first = rows.filter(has_text=logged.partner.name)
    with translation.override(settings.LANGUAGE_CODE):
        sector = str(logged.partner.get_sector_display())
    # A staff member sees the count of their own activities with the partner, said so.
    with translation.override(settings.LANGUAGE_CODE):
        activities = gettext("Your activities: %(count)s") % {"count": EARLIER_ACTIVITIES + 1}
    expect(first).to_contain_text(f"{sector} · {activities}")
    assert page.evaluate(SCROLL_WIDTH_JS)[0] <= PHONE["width"]
    problems = layout_problems(page, page_problems, "/partners/")
    assert not problems, "wider than a 390 px phone:\n" + "\n".join(problems)
    assert_accessible(page, "the partners on a phone")

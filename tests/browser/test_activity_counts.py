"""The counts of the activity form on a phone: each starts empty, with 0 as its placeholder,
so a youth worker taps it and types the number, with nothing to delete first; a count left
empty is saved as 0, and live validation reads it so. A copied activity brings its counts.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from playwright.sync_api import Locator, Page, Response, expect

from goals.models import Goal, Strategy
from neighbourhoods.forms import COUNT_FIELDS
from neighbourhoods.models import Activity, Area, Unit
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import assert_accessible, translated, wait_for_htmx
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups, the activity types) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_URL = "/activities/new/"
VALIDATE_URL = "/activities/validate/"
DETAIL_URL = re.compile(r"/activities/(\d+)/$")
NEW_PARTICIPANTS_ERROR = (
    "There cannot be more new participants (%(new)s) than participants in all (%(total)s)."
)


@pytest.fixture
def goal(strategy: Strategy, staff_user: User) -> Goal:
    """Goal 2, and a place to log for: an area, a type and the staff user's only unit."""
    AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    unit = UnitFactory.create(name_fi="Kontulan nuorisotyö", kind=Unit.Kind.YOUTH_WORK)
    unit.members.add(staff_user)
    return strategy.goals.get(number=2)


@contextmanager
def validated(page: Page, field: str) -> Iterator[None]:
    """Around leaving `field`: wait for its live validation to be answered and swapped in."""

    def is_validation(response: Response) -> bool:
        return urlsplit(response.url).path == VALIDATE_URL

    with page.expect_response(is_validation) as answer:
        yield
    assert answer.value.status == 200
    assert answer.value.request.header_value("hx-trigger-name") == field
    wait_for_htmx(page)


def type_into(page: Page, field: Locator, text: str) -> None:
    """Tap the field and type, as on a phone: no selecting, no deleting."""
    field.click()
    page.keyboard.type(text)


def test_a_count_is_typed_on_a_phone_with_nothing_to_delete_first(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    goal: Goal,
):
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page.goto(NEW_URL)
    form = page.locator("form.activity-form")
    for name in COUNT_FIELDS:
        expect(form.locator(f"#id_{name}")).to_have_value("")
        expect(form.locator(f"#id_{name}")).to_have_attribute("placeholder", "0")
    page_problems.assert_none("the empty activity form")
    assert_accessible(page, "the empty activity form on a phone")

    teens = form.locator("#id_participants_13_17")
    new = form.locator("#id_new_participants")
    with validated(page, "participants_13_17"):
        type_into(page, teens, "12")
        teens.press("Tab")
    expect(teens).to_have_value("12")

    # The other bands are empty: twelve in all, which fifteen new participants exceed.
    with validated(page, "new_participants"):
        type_into(page, new, "15")
        new.press("Tab")
    error = form.locator("#id_new_participants_error")
    expect(error).to_have_text(
        translated(settings.LANGUAGE_CODE, NEW_PARTICIPANTS_ERROR, new=15, total=12)
    )
    expect(new).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the activity form with a count refused on a phone")

    with validated(page, "new_participants"):
        new.fill("3")
        new.press("Tab")
    expect(error).to_have_count(0)
    hours = form.locator("#id_volunteer_hours")
    with validated(page, "volunteer_hours"):
        type_into(page, hours, "1.5")
        hours.press("Tab")
    expect(form.locator(".errorlist")).to_have_count(0)

    form.locator("#id_title").fill("Iltajalkautuminen ostarilla")
    form.locator("#id_area").select_option(index=1)
    form.locator("#id_type").select_option(index=1)
    form.locator(f'#id_goals input[value="{goal.pk}"]').check()
    wait_for_htmx(page)
    form.locator('button[type="submit"]').click()

    expect(page).to_have_url(DETAIL_URL)
    page_problems.assert_none("the saved activity")
    activity = Activity.objects.get()
    assert activity.participants_13_17 == 12
    assert activity.participants_0_12 == activity.participants_unknown_age == 0
    assert (activity.new_participants, activity.volunteers) == (3, 0)
    assert activity.volunteer_hours == Decimal("1.5")


def test_a_copied_activity_brings_its_counts_and_leaves_its_zeros_empty(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    goal: Goal,
):
    source = ActivityFactory.create(
        created_by=staff_user,
        unit=staff_user.units.get(),
        participants_13_17=8,
        participants_18_29=0,
        new_participants=3,
        volunteers=2,
        goals=[goal],
    )
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page.goto(f"/activities/{source.pk}/")
    page.get_by_role(
        "link", name=translated(settings.LANGUAGE_CODE, "Copy as a new activity")
    ).click()

    expect(page).to_have_url(f"{NEW_URL}?copy={source.pk}")
    form = page.locator("form.activity-form")
    expect(form.locator("#id_participants_13_17")).to_have_value("8")
    expect(form.locator("#id_new_participants")).to_have_value("3")
    expect(form.locator("#id_volunteers")).to_have_value("2")
    expect(form.locator("#id_participants_18_29")).to_have_value("")
    expect(form.locator("#id_volunteer_hours")).to_have_value("")
    page_problems.assert_none("the activity form, copied")

    # A zero can be replaced by typing, too: the empty field takes the digits as they come.
    young_adults = form.locator("#id_participants_18_29")
    with validated(page, "participants_18_29"):
        type_into(page, young_adults, "4")
        young_adults.press("Tab")
    expect(young_adults).to_have_value("4")
    page_problems.assert_none("the copied activity form, a band typed")

"""Live validation on a phone: a field is checked as soon as the youth worker leaves it.

Leaving a field posts the whole form to the validation view (HTMX), which saves nothing and
sends back that field with its error, and out of band the fields whose validity depends on it
(the new participants on the age bands, the date on the status); choosing goals narrows the
means to theirs. A refused save lists what is wrong at the top of the form. A signal heard at
an activity is logged from that activity's page, starting from what the activity recorded.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.

On SQLite the live server's threads share the test's one database connection, which cannot
serve two requests at once; so each test waits for the answer to one validation before it
does what causes the next (as `validated` does), which also keeps the tests free of sleeps.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Locator, Page, Response, Route, expect

from goals.models import Goal, Strategy
from kalliola.privacy import validate_no_personal_data
from neighbourhoods.models import Activity, ActivityType, Area, Signal, Unit
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import translated, wait_for_htmx
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups, the activity types) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_ACTIVITY_URL = "/activities/new/"
VALIDATE_ACTIVITY_URL = "/activities/validate/"
NEW_SIGNAL_URL = "/signals/new/"
VALIDATE_SIGNAL_URL = "/signals/validate/"
SIGNALS_URL = "/signals/"
SIGNAL_URL = re.compile(r"/signals/(\d+)/$")  # no named group: JavaScript runs it

# A Finnish personal identity code with a valid control character (131052308 % 31 is 25,
# and the 26th control character is T), and a Finnish mobile number: the guard refuses both.
IDENTITY_CODE = "131052-308T"
DESCRIPTION_WITH_CODE = f"Paikalla oli {IDENTITY_CODE} ja kaverit."
DESCRIPTION_FIXED = "Paikalla oli kahdeksan nuorta ja kaverit."
SIGNAL_WITH_PHONE = "Äiti pyysi soittamaan numeroon 040 123 4567, kun kerhoon ei mahdu."
HEARD = "Nuoret kertoivat, ettei Kontulassa ole iltaisin paikkaa, jossa olla maksutta."

NEW_PARTICIPANTS_ERROR = (
    "There cannot be more new participants (%(new)s) than participants in all (%(total)s)."
)

# Marks the window, so that a test can tell the page was not loaded again meanwhile.
MARK_PAGE_JS = "() => { window.liveValidationTestMark = true; }"
PAGE_MARKED_JS = "() => window.liveValidationTestMark === true"
# Whether HTMX has nothing in flight: a request, or a swap still settling.


@dataclass(frozen=True)
class Place:
    """Where and for which unit the staff user logs, and what kind of activity."""

    area: Area
    unit: Unit
    activity_type: ActivityType


@pytest.fixture
def place(strategy: Strategy, staff_user: User) -> Place:
    """A sub-district and a type, and a unit the staff user belongs to (the only one)."""
    area = AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    unit = UnitFactory.create(name_fi="Kontulan nuorisotyö", kind=Unit.Kind.YOUTH_WORK)
    unit.members.add(staff_user)  # one logs only for a unit one belongs to
    activity_type = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    return Place(area=area, unit=unit, activity_type=activity_type)


def shown(language: str, message: str, **values: object) -> str:
    """What the interface shows for `message` in `language`: its translation, or the text as
    written while the catalogue has none (the translation check of CI reports that)."""
    with translation.override(language):
        text = gettext(message)
    return text % values if values else text


def guard_message(language: str, text: str) -> str:
    """What the privacy guard says of `text` in `language`; it must refuse the text."""
    with translation.override(None):  # the messages as written, in English
        try:
            validate_no_personal_data(text)
        except ValidationError as error:
            (message,) = error.messages
        else:
            raise AssertionError(f"the privacy guard lets {text!r} through")
    return translated(language, message)


@contextmanager
def validated(page: Page, url: str, field: str) -> Iterator[None]:
    """Around an action that leaves `field`: wait until the validation it posts is answered
    and the answer is swapped in.

    The answer must be the form's validation of that field (HTMX names the field that
    triggered it), with status 200: the page was not submitted.
    """

    def is_validation(response: Response) -> bool:
        return urlsplit(response.url).path == url and response.request.method == "POST"

    with page.expect_response(is_validation) as answer:
        yield
    response = answer.value
    assert response.status == 200, f"the validation of {field} answered {response.status}"
    assert response.request.header_value("hx-request") == "true"
    assert response.request.header_value("hx-trigger-name") == field
    # The answer's headers are in; its swap follows when the whole answer is.
    wait_for_htmx(page)


def start_on_a_phone(page: Page, login: Callable[..., None], user: User) -> None:
    page.set_viewport_size(PHONE)
    login(page, user)


def open_activity_form(page: Page, page_problems: PageProblems) -> Locator:
    """Open the empty activity form, and mark the page to tell later that it stayed."""
    page.goto(NEW_ACTIVITY_URL)
    form = page.locator("form.activity-form")
    expect(form).to_be_visible()
    page_problems.assert_none("the empty activity form")
    page.evaluate(MARK_PAGE_JS)
    return form


def assert_still_on_the_page(page: Page, path: str) -> None:
    """Nothing was submitted: the browser is on the same page, never loaded again."""
    assert urlsplit(page.url).path == path
    assert page.evaluate(PAGE_MARKED_JS), f"{path} was loaded again"


def error_of(form: Locator, field: str) -> Locator:
    return form.locator(f"#id_{field}_error")


def goal_checkbox(form: Locator, goal: Goal) -> Locator:
    return form.locator(f'#id_goals input[name="goals"][value="{goal.pk}"]')


def means_checkbox(form: Locator, means_id: int) -> Locator:
    return form.locator(f'#id_means_field input[name="means"][value="{means_id}"]')


def means_of(*goals: Goal) -> list[int]:
    return sorted(pk for goal in goals for pk in goal.means_set.values_list("pk", flat=True))


def expect_means_offered(form: Locator, expected: list[int]) -> None:
    """The means field shows exactly the means `expected` (ids)."""
    offered = form.locator('#id_means_field input[name="means"]:visible')
    expect(offered).to_have_count(len(expected))
    values = offered.evaluate_all("(inputs) => inputs.map((input) => Number(input.value))")
    assert sorted(values) == expected


def test_identity_code_in_the_description_is_refused_as_soon_as_the_field_is_left(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    language = settings.LANGUAGE_CODE
    message = guard_message(language, DESCRIPTION_WITH_CODE)
    start_on_a_phone(page, login, staff_user)
    form = open_activity_form(page, page_problems)
    description = form.locator("#id_description")
    error = error_of(form, "description")

    description.fill(DESCRIPTION_WITH_CODE)
    with validated(page, VALIDATE_ACTIVITY_URL, "description"):
        description.press("Tab")

    # The guard's message is under the description, linked to it, and nothing was saved.
    expect(error).to_have_text(message)
    expect(error).to_be_visible()
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_attribute(
        "aria-describedby", re.compile(r"(^|\s)id_description_error(\s|$)")
    )
    expect(description).to_have_value(DESCRIPTION_WITH_CODE)
    # Only the field she left speaks: the title, required and still empty, says nothing yet.
    expect(form.locator(".errorlist")).to_have_count(1)
    # The focus went on to the next field, and the swap did not take it away.
    expect(form.locator("#id_heard")).to_be_focused()
    assert_still_on_the_page(page, NEW_ACTIVITY_URL)
    page_problems.assert_none("the activity form, the description left with an identity code")
    assert Activity.objects.count() == 0

    description.fill(DESCRIPTION_FIXED)
    with validated(page, VALIDATE_ACTIVITY_URL, "description"):
        description.press("Tab")

    expect(error).to_have_count(0)
    expect(form.locator(".errorlist")).to_have_count(0)
    expect(description).not_to_have_attribute("aria-invalid", "true")
    expect(description).to_have_value(DESCRIPTION_FIXED)
    expect(form.locator("#id_heard")).to_be_focused()
    assert_still_on_the_page(page, NEW_ACTIVITY_URL)
    page_problems.assert_none("the activity form, the description fixed")
    assert Activity.objects.count() == 0


def test_leaving_an_age_band_rechecks_the_new_participants(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    language = settings.LANGUAGE_CODE
    start_on_a_phone(page, login, staff_user)
    form = open_activity_form(page, page_problems)
    teens = form.locator("#id_participants_13_17")
    young_adults = form.locator("#id_participants_18_29")
    new = form.locator("#id_new_participants")
    new_error = error_of(form, "new_participants")

    teens.fill("4")
    with validated(page, VALIDATE_ACTIVITY_URL, "participants_13_17"):
        teens.press("Tab")
    new.fill("3")
    with validated(page, VALIDATE_ACTIVITY_URL, "new_participants"):
        new.press("Tab")
    expect(new).to_have_value("3")
    expect(form.locator(".errorlist")).to_have_count(0)

    # Fewer teenagers than new participants: the error is on the new participants, although
    # the field she left is the age band.
    teens.fill("2")
    with validated(page, VALIDATE_ACTIVITY_URL, "participants_13_17"):
        teens.press("Tab")

    expect(new_error).to_have_text(translated(language, NEW_PARTICIPANTS_ERROR, new=3, total=2))
    expect(new_error).to_be_visible()
    expect(new).to_have_attribute("aria-invalid", "true")
    expect(new).to_have_value("3")
    expect(error_of(form, "participants_13_17")).to_have_count(0)
    expect(teens).to_have_value("2")
    expect(form.locator(".errorlist")).to_have_count(1)
    expect(young_adults).to_be_focused()
    page_problems.assert_none("the activity form, more new participants than in all")

    # One more young adult makes three in all: the error goes.
    young_adults.fill("1")
    with validated(page, VALIDATE_ACTIVITY_URL, "participants_18_29"):
        young_adults.press("Tab")

    expect(new_error).to_have_count(0)
    expect(new).not_to_have_attribute("aria-invalid", "true")
    expect(new).to_have_value("3")
    expect(form.locator(".errorlist")).to_have_count(0)
    assert_still_on_the_page(page, NEW_ACTIVITY_URL)
    page_problems.assert_none("the activity form, participants fixed")
    assert Activity.objects.count() == 0


def band_left_while_its_check_is_held(
    page: Page, page_problems: PageProblems
) -> tuple[Locator, Locator, list[Route]]:
    """Type 6 teenagers and 3 new participants; leaving the band posts its validation (of 6),
    which a route holds back. Returns the band, the new participants and the held request."""
    form = open_activity_form(page, page_problems)
    teens = form.locator("#id_participants_13_17")
    new = form.locator("#id_new_participants")
    held: list[Route] = []
    page.route(f"**{VALIDATE_ACTIVITY_URL}", lambda route: held.append(route))
    teens.fill("6")
    new.fill("3")
    # The route's handler runs when the browser's request reaches it, which may be a moment
    # after the fill returns on a busy machine: wait for it (letting events through).
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    return teens, new, held


def test_new_participants_typed_while_an_age_band_is_checked_are_kept(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    """On a slow connection she types the new participants before the band's answer is back."""
    start_on_a_phone(page, login, staff_user)
    _teens, new, held = band_left_while_its_check_is_held(page, page_problems)
    with validated(page, VALIDATE_ACTIVITY_URL, "participants_13_17"):
        held[0].fallback()

    assert new.input_value() == "3"
    page_problems.assert_none("the activity form, new participants typed during a validation")


def test_a_count_typed_again_while_its_own_check_is_on_its_way_is_kept(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    """On a slow connection she leaves the band, then goes back to fix it before the answer."""
    start_on_a_phone(page, login, staff_user)
    teens, new, held = band_left_while_its_check_is_held(page, page_problems)
    teens.fill("7")  # back in the band before the answer (leaving the new participants)
    # The validation of the new participants waits its turn behind the band's: let it pass.
    page.unroute(f"**{VALIDATE_ACTIVITY_URL}")
    with validated(page, VALIDATE_ACTIVITY_URL, "participants_13_17"):
        held[0].fallback()
    wait_for_htmx(page)

    assert teens.input_value() == "7"
    assert new.input_value() == "3"
    page_problems.assert_none("the activity form, a band typed again during its validation")


def test_choosing_a_status_rechecks_the_date_and_keeps_the_focus(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    language = settings.LANGUAGE_CODE
    message = shown(
        language, "A done activity cannot be in the future. Mark it planned, or fix the date."
    )
    start_on_a_phone(page, login, staff_user)
    form = open_activity_form(page, page_problems)
    date = form.locator("#id_date")
    date_error = error_of(form, "date")
    planned = form.locator('input[name="status"][value="planned"]')
    done = form.locator('input[name="status"][value="done"]')
    expect(done).to_be_checked()
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()

    with validated(page, VALIDATE_ACTIVITY_URL, "date"):
        date.fill(tomorrow)  # a date field is changed at once, not when it is left
    expect(date_error).to_have_text(message)

    # Choosing "planned" with the keyboard re-renders the date, not the radio buttons.
    done.focus()
    with validated(page, VALIDATE_ACTIVITY_URL, "status"):
        page.keyboard.press("ArrowUp")
    expect(date_error).to_have_count(0)
    expect(date).to_have_value(tomorrow)
    expect(planned).to_be_checked()
    expect(planned).to_be_focused()

    with validated(page, VALIDATE_ACTIVITY_URL, "status"):
        page.keyboard.press("ArrowDown")
    expect(date_error).to_have_text(message)
    expect(done).to_be_checked()
    expect(done).to_be_focused()
    assert_still_on_the_page(page, NEW_ACTIVITY_URL)
    page_problems.assert_none("the activity form, status and date")
    assert Activity.objects.count() == 0


def test_the_means_offered_follow_the_goals_chosen(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    strategy: Strategy,
    place: Place,
):
    language = settings.LANGUAGE_CODE
    goal_2 = strategy.goals.get(number=2)
    goal_3 = strategy.goals.get(number=3)
    assert means_of(goal_2), "goal 2 of the seed strategy has means"
    assert means_of(goal_3), "goal 3 of the seed strategy has means"
    start_on_a_phone(page, login, staff_user)
    form = open_activity_form(page, page_problems)
    hint = form.locator(".means-hint")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))

    # No goal yet: no means, and a hint to choose a goal first.
    expect_means_offered(form, [])
    expect(hint).to_have_text(shown(language, "Choose a goal first: its means appear below."))
    expect(hint).to_be_visible()

    # Goal 2, ticked with the keyboard: its means, and the focus stays on the goal.
    goal_checkbox(form, goal_2).focus()
    page.keyboard.press("Space")
    expect_means_offered(form, means_of(goal_2))
    expect(goal_checkbox(form, goal_2)).to_be_checked()
    expect(goal_checkbox(form, goal_2)).to_be_focused()
    expect(hint).to_be_hidden()
    chosen = means_of(goal_2)[0]
    means_checkbox(form, chosen).check()

    # Goal 3 as well: its means are added, and the means ticked stays ticked.
    goal_checkbox(form, goal_3).focus()
    page.keyboard.press("Space")
    expect_means_offered(form, means_of(goal_2, goal_3))
    expect(goal_checkbox(form, goal_3)).to_be_focused()
    expect(means_checkbox(form, chosen)).to_be_checked()
    expect(form.locator('#id_means_field input[name="means"]:checked')).to_have_count(1)

    # Goal 3 unticked: its means go, goal 2's stay, with the one ticked.
    page.keyboard.press("Space")
    expect_means_offered(form, means_of(goal_2))
    expect(goal_checkbox(form, goal_3)).not_to_be_checked()
    expect(goal_checkbox(form, goal_3)).to_be_focused()
    expect(means_checkbox(form, chosen)).to_be_checked()

    # Goal 2 unticked too: only the ticked means stays in sight, so it can be unticked.
    goal_checkbox(form, goal_2).focus()
    page.keyboard.press("Space")
    expect_means_offered(form, [chosen])
    expect(hint).to_be_visible()
    expect(form.locator(".errorlist")).to_have_count(0)
    # Narrowing the means asks nothing of the server: nothing can come back late.
    assert not [url for url in requests if VALIDATE_ACTIVITY_URL in url]
    assert_still_on_the_page(page, NEW_ACTIVITY_URL)
    page_problems.assert_none("the activity form, goals and means")
    assert Activity.objects.count() == 0


def test_saving_the_empty_form_lists_the_errors_at_the_top_with_links_to_the_fields(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    start_on_a_phone(page, login, staff_user)
    form = open_activity_form(page, page_problems)

    form.locator('button[type="submit"]').click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert urlsplit(page.url).path == NEW_ACTIVITY_URL
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_in_viewport()
    # At the top of the form: nothing of the form comes before it but hidden inputs.
    before = summary.locator("xpath=preceding-sibling::*[not(self::input[@type='hidden'])]")
    expect(before).to_have_count(0)
    page_problems.assert_none("the empty activity form, refused")

    # A link for each field that has an error, to that field.
    fields_with_errors = form.locator("div.field:has(.errorlist)")
    links = summary.locator("a")
    count = fields_with_errors.count()
    assert count >= 2, "the empty form should have more than one error"
    expect(links).to_have_count(count)
    targets = []
    for link in links.all():
        href = link.get_attribute("href") or ""
        assert href.startswith("#"), href
        target = form.locator(f"[id='{href[1:]}']")
        expect(target).to_have_count(1)
        wrapper = form.locator("div.field").filter(has=page.locator(f"[id='{href[1:]}']"))
        expect(wrapper.locator(".errorlist")).to_have_count(1)
        targets.append(target)

    # The last link leads to a field further down: it gets the focus and is scrolled to.
    last = targets[-1]
    expect(last).not_to_be_in_viewport()
    links.last.click()
    expect(last).to_be_focused()
    expect(last).to_be_in_viewport()
    assert urlsplit(page.url).path == NEW_ACTIVITY_URL
    page_problems.assert_none("the error summary's last link followed")
    assert Activity.objects.count() == 0


def test_staff_logs_a_signal_heard_at_an_activity_and_finds_it_among_the_signals(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    strategy: Strategy,
    place: Place,
):
    theme = strategy.inequalitythemes.get(position=4)
    activity = ActivityFactory.create(
        title="Iltajalkautuminen Kontulan ostarilla",
        date=timezone.localdate() - datetime.timedelta(days=2),
        area=place.area,
        type=place.activity_type,
        unit=place.unit,
        created_by=staff_user,
        themes=[theme],
        heard=HEARD,
    )
    start_on_a_phone(page, login, staff_user)

    page.goto(f"/activities/{activity.pk}/")
    expect(page.locator("main h1")).to_have_text(activity.title)
    page_problems.assert_none("the activity's page")
    link = page.locator(f'main a[href="{NEW_SIGNAL_URL}?activity={activity.pk}"]')
    expect(link).to_be_visible()
    link.click()

    # The form starts from what the activity recorded, and is linked to it.
    expect(page).to_have_url(f"{NEW_SIGNAL_URL}?activity={activity.pk}")
    form = page.locator("form.signal-form")
    expect(form.locator("#id_text")).to_have_value(HEARD)
    expect(form.locator("#id_date")).to_have_value(activity.date.isoformat())
    expect(form.locator("#id_area")).to_have_value(str(place.area.pk))
    expect(form.locator("#id_unit")).to_have_value(str(place.unit.pk))
    themes = form.locator('#id_themes input[name="themes"]')
    expect(themes.and_(page.locator(":checked"))).to_have_count(1)
    expect(form.locator(f'#id_themes input[value="{theme.pk}"]')).to_be_checked()
    expect(form.locator('input[name="activity"]')).to_have_value(str(activity.pk))
    expect(form.locator(f'a[href="/activities/{activity.pk}/"]')).to_be_visible()
    page_problems.assert_none("the signal form, started from the activity")

    form.locator('input[name="raised_by"][value="resident"]').check()
    form.locator('button[type="submit"]').click()

    expect(page).to_have_url(SIGNAL_URL)
    match = SIGNAL_URL.search(page.url)
    assert match
    expect(page.locator("blockquote.signal-text")).to_have_text(HEARD)
    expect(page.locator(f'main a[href="/activities/{activity.pk}/"]')).to_have_text(activity.title)
    page_problems.assert_none("the new signal's page")

    signal = Signal.objects.get()
    assert signal.pk == int(match[1])
    assert signal.text == HEARD
    assert signal.date == activity.date
    assert (signal.area, signal.unit, signal.activity) == (place.area, place.unit, activity)
    assert list(signal.themes.all()) == [theme]
    assert signal.raised_by == Signal.RaisedBy.RESIDENT
    assert signal.urgency == Signal.Urgency.MEDIUM
    assert signal.created_by == staff_user

    menu = page.locator("header details.user-menu")
    menu.locator("summary").click()
    menu.locator(f'a[href="{SIGNALS_URL}"]').click()
    expect(page).to_have_url(SIGNALS_URL)
    row = page.locator("#results li.activity-row").filter(
        has=page.locator(f'a[href="/signals/{signal.pk}/"]')
    )
    expect(row).to_have_count(1)
    expect(row).to_contain_text(place.area.name)
    page_problems.assert_none("the signal list")


def test_phone_number_in_a_signal_is_refused_as_soon_as_the_text_is_left(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    place: Place,
):
    language = settings.LANGUAGE_CODE
    message = guard_message(language, SIGNAL_WITH_PHONE)
    start_on_a_phone(page, login, staff_user)
    page.goto(NEW_SIGNAL_URL)
    form = page.locator("form.signal-form")
    expect(form).to_be_visible()
    page_problems.assert_none("the empty signal form")
    page.evaluate(MARK_PAGE_JS)
    text = form.locator("#id_text")
    error = error_of(form, "text")

    text.fill(SIGNAL_WITH_PHONE)
    with validated(page, VALIDATE_SIGNAL_URL, "text"):
        text.press("Tab")

    expect(error).to_have_text(message)
    expect(error).to_be_visible()
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(text).to_have_attribute("aria-describedby", re.compile(r"(^|\s)id_text_error(\s|$)"))
    expect(text).to_have_value(SIGNAL_WITH_PHONE)
    expect(form.locator(".errorlist")).to_have_count(1)
    assert_still_on_the_page(page, NEW_SIGNAL_URL)
    page_problems.assert_none("the signal form, the text left with a phone number")
    assert Signal.objects.count() == 0

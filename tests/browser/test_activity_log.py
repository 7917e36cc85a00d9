"""The activity log on a phone: a youth worker logs what she did in a neighbourhood.

She taps "Log activity" in the header, fills in the form, saves, and finds the activity among
her own; text that identifies a person is refused next to the field it is in; the form fits a
390 px wide phone in Finnish and Swedish, and every field has a label.

On every page the browser must report no console error (a Content-Security-Policy violation
is one), no uncaught script error, no failed request and no response with status 400 or more.
Run with -s to see how long filling in and saving the form took.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from playwright.sync_api import Locator, Page, expect

from goals.models import Goal, InequalityTheme, Means, Strategy
from kalliola.privacy import validate_no_personal_data
from neighbourhoods.forms import ActivityForm
from neighbourhoods.models import Activity, ActivityType, Area, Unit
from tests.browser.conftest import PHONE, PageProblems
from tests.browser.helpers import (
    html_lang,
    layout_problems,
    switch_language,
    translated,
    translated_plural,
    wait_for_htmx,
)
from tests.factories.activity import ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory

# live_server needs a transactional database; serialized_rollback restores what the
# migrations put there (the role groups, the activity types) before every test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

NEW_URL = "/activities/new/"
MINE_URL = "/activities/mine/"
DETAIL_URL = re.compile(r"/activities/(\d+)/$")  # no named group: JavaScript runs it

TITLE = "Iltajalkautuminen Kontulan ostarilla"
COUNTS = {"participants_13_17": 6, "participants_18_29": 2}
TOTAL = sum(COUNTS.values())
NEW_PARTICIPANTS = 3
# A Finnish personal identity code with a valid control character (131052308 % 31 is 25,
# and the 26th control character is T); the privacy guard must refuse it.
IDENTITY_CODE = "131052-308T"
DESCRIPTION_WITH_CODE = f"Paikalla oli {IDENTITY_CODE} ja kaverit."

# The links and buttons of the header whose text is broken onto more than one line.
WRAPPED_IN_HEADER_JS = """() => {
  const wrapped = [];
  for (const el of document.querySelectorAll("header nav :is(a, button, summary)")) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = [...range.getClientRects()].map((rect) => rect.top).sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 2).length;
    if (lines > 1) {
      const text = el.textContent.trim().replace(/\\s+/g, " ");
      wrapped.push(`"${text}" is on ${lines} lines, ${Math.round(box.width)}px wide`);
    }
  }
  return wrapped;
}"""

# Fields of the form whose label is neither just above them nor just left of them, and
# errors that are not just under their field (help text may come between). A label, a field
# and its errors are far apart when they land in different cells of a grid, for instance.
APART_JS = """(form) => {
  const overlapX = (a, b) => Math.min(a.right, b.right) > Math.max(a.left, b.left);
  const overlapY = (a, b) => Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top);
  const below = (upper, lower, gap) =>
    overlapX(upper, lower) && lower.top >= upper.bottom - 2 && lower.top - upper.bottom < gap;
  const beside = (left, right) =>
    overlapY(left, right) && right.left >= left.right - 2 && right.left - left.right < 48;
  const text = (el) => el.innerText.trim().replace(/\\s+/g, " ");
  const apart = [];
  const fields = "input:not([type=hidden], [type=checkbox], [type=radio]), select, textarea";
  for (const field of form.querySelectorAll(fields)) {
    if (!field.labels.length) continue;
    const label = field.labels[0].getBoundingClientRect();
    const box = field.getBoundingClientRect();
    if (!below(label, box, 48) && !beside(label, box)) {
      apart.push(`the label "${text(field.labels[0])}" is not next to its field #${field.id}`);
    }
  }
  for (const error of form.querySelectorAll(".errorlist[id$='_error']")) {
    const field = document.getElementById(error.id.replace(/_error$/, ""));
    if (field && !below(field.getBoundingClientRect(), error.getBoundingClientRect(), 80)) {
      apart.push(`the error "${text(error)}" is not under its field #${field.id}`);
    }
  }
  return apart;
}"""


def guard_message(language: str, text: str) -> str:
    """What the privacy guard says of `text` in `language`; it must refuse the text.

    The message is the guard's own (neighbourhoods/privacy.py), and must be in the catalogue.
    """
    with translation.override(None):  # the messages as written, in English
        try:
            validate_no_personal_data(text)
        except ValidationError as error:
            (message,) = error.messages
        else:
            raise AssertionError(f"the privacy guard lets {text!r} through")
    return translated(language, message)


@dataclass(frozen=True)
class Choices:
    """What the youth worker picks on the form, with the labels the form shows for them."""

    area: Area
    area_label: str
    activity_type: ActivityType
    unit: Unit
    goal: Goal
    goal_label: str
    means: Means
    means_label: str
    theme: InequalityTheme
    theme_label: str


@pytest.fixture
def choices(strategy: Strategy, staff_user: User) -> Choices:
    """An area, a type and the staff user's unit, and goal 2 with one of its means and a theme."""
    area = AreaFactory.create(name_fi="Kontula", level=Area.Level.SUB_DISTRICT)
    assert area.parent is not None
    activity_type = ActivityTypeFactory.create(name_fi="Jalkautuva työ")
    unit = UnitFactory.create(name_fi="Kontulan nuorisotyö", kind=Unit.Kind.YOUTH_WORK)
    unit.members.add(staff_user)  # one logs only for a unit one belongs to
    with translation.override(settings.LANGUAGE_CODE):
        goal = strategy.goals.get(number=2)
        means = goal.means_set.get(position=3)
        theme = strategy.inequalitythemes.get(position=4)
        return Choices(
            area=area,
            area_label=f"{area.name} ({area.parent.name})",
            activity_type=activity_type,
            unit=unit,
            goal=goal,
            goal_label=str(goal),
            means=means,
            means_label=f"{goal.number}.{means.position} {means.text}",
            theme=theme,
            theme_label=theme.name,
        )


def activity_form(page: Page) -> Locator:
    return page.locator("form.activity-form")


def open_form_from_the_header(page: Page, page_problems: PageProblems, language: str) -> None:
    """Tap "Log activity" in the header and wait for the empty form."""
    link = page.locator("header nav a.log-activity")
    expect(link).to_have_text(translated(language, "Log activity"))
    expect(link).to_be_in_viewport()
    link.click()
    expect(page).to_have_url(NEW_URL)
    expect(page.locator("main h1")).to_have_text(translated(language, "Log activity"))
    page_problems.assert_none(f"the empty activity form ({language})")


def fill_in(page: Page, choices: Choices, *, description: str = "") -> None:
    """Fill in the form as the youth worker would, field by field from the top."""
    form = activity_form(page)
    form.locator("#id_title").fill(TITLE)
    form.locator('input[name="status"][value="done"]').check()
    form.locator("#id_date").fill(timezone.localdate().isoformat())
    form.locator("#id_area").select_option(label=choices.area_label)
    form.locator("#id_type").select_option(label=choices.activity_type.name)
    form.locator("#id_unit").select_option(label=choices.unit.name)
    form.locator("#id_goals").get_by_label(choices.goal_label, exact=True).check()
    form.locator("#id_means").get_by_label(choices.means_label, exact=True).check()
    form.locator("#id_themes").get_by_label(choices.theme_label, exact=True).check()
    for band, count in COUNTS.items():
        form.locator(f"#id_{band}").fill(str(count))
    form.locator("#id_new_participants").fill(str(NEW_PARTICIPANTS))
    if description:
        form.locator("#id_description").fill(description)


def save(page: Page) -> None:
    # Let the validations of the fields just left finish first: on SQLite the test server's
    # threads share one connection, which cannot serve two requests at once.
    wait_for_htmx(page)
    activity_form(page).locator('button[type="submit"]').click()


def test_staff_logs_an_activity_on_a_phone_and_finds_it_among_their_own(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
):
    language = settings.LANGUAGE_CODE
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    page_problems.assert_none("the strategy house")

    open_form_from_the_header(page, page_problems, language)
    screens = page.evaluate("document.documentElement.scrollHeight") / PHONE["height"]
    started = time.perf_counter()
    fill_in(page, choices)
    filled = time.perf_counter()
    save(page)
    expect(page).to_have_url(DETAIL_URL)
    expect(page.locator("main h1")).to_have_text(TITLE)
    saved = time.perf_counter()
    print(
        f"\n[activity log timing] filling in the form: {filled - started:.2f} s, "
        f"saving until the activity's page is shown: {saved - filled:.2f} s, "
        f"in all: {saved - started:.2f} s (the form is {screens:.1f} phone screens long)"
    )

    expect(page.locator(".messages")).to_contain_text(
        translated(language, "The activity was saved.")
    )
    expect(page.locator("dl.facts")).to_contain_text(
        translated(language, "%(total)s in all, %(new)s new", total=TOTAL, new=NEW_PARTICIPANTS)
    )
    page_problems.assert_none("the new activity's page")
    match = DETAIL_URL.search(page.url)
    assert match

    # "My activities" is in the menu of the header.
    menu = page.locator("header details.user-menu")
    menu.locator("summary").click()
    menu.get_by_role("link", name=translated(language, "My activities"), exact=True).click()
    expect(page).to_have_url(MINE_URL)
    expect(page.locator("main h1")).to_have_text(translated(language, "My activities"))
    row = page.locator("li.activity-row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_have_count(1)
    expect(row).to_contain_text(
        translated_plural(language, "%(counter)s participant", "%(counter)s participants", TOTAL)
    )
    page_problems.assert_none("my activities")

    activity = Activity.objects.get()
    assert activity.pk == int(match[1])
    assert activity.title == TITLE
    assert activity.status == Activity.Status.DONE
    assert activity.date == timezone.localdate()
    assert (activity.area, activity.type, activity.unit) == (
        choices.area,
        choices.activity_type,
        choices.unit,
    )
    assert activity.participants_13_17 == COUNTS["participants_13_17"]
    assert activity.participants_18_29 == COUNTS["participants_18_29"]
    assert activity.participants_total == TOTAL
    assert activity.new_participants == NEW_PARTICIPANTS
    assert list(activity.goals.all()) == [choices.goal]
    assert list(activity.means.all()) == [choices.means]
    assert list(activity.themes.all()) == [choices.theme]
    assert activity.created_by == staff_user
    assert list(activity.organisers.all()) == [staff_user]


def test_identity_code_in_the_description_is_refused_next_to_the_field(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
):
    language = settings.LANGUAGE_CODE
    message = guard_message(language, DESCRIPTION_WITH_CODE)
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    open_form_from_the_header(page, page_problems, language)

    fill_in(page, choices, description=DESCRIPTION_WITH_CODE)
    save(page)

    # The form comes back with the guard's message under the description, linked to it.
    expect(page).to_have_url(NEW_URL)
    form = activity_form(page)
    description = form.locator("#id_description")
    error = form.locator("#id_description_error")
    expect(error).to_have_text(message)
    expect(error).to_be_visible()
    expect(description).to_have_attribute(
        "aria-describedby", re.compile(r"(^|\s)id_description_error(\s|$)")
    )
    expect(description).to_have_attribute("aria-invalid", "true")
    expect(description).to_have_accessible_description(re.compile(re.escape(message)))
    # Next to the field: the description is the last field before the message.
    field_before = error.locator(
        "xpath=preceding::*[self::input or self::select or self::textarea][1]"
    )
    expect(field_before).to_have_id("id_description")
    # Only the description is wrong, and nothing she entered is lost.
    expect(form.locator(".errorlist")).to_have_count(1)
    expect(description).to_have_value(DESCRIPTION_WITH_CODE)
    expect(form.locator("#id_title")).to_have_value(TITLE)
    expect(form.locator("#id_participants_13_17")).to_have_value("6")
    expect(form.locator("#id_goals").get_by_label(choices.goal_label, exact=True)).to_be_checked()
    page_problems.assert_none("the activity form refused for an identity code")

    assert Activity.objects.count() == 0


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_activity_form_has_no_horizontal_scroll_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
    language: str,
):
    page.set_viewport_size(PHONE)
    problems: list[str] = []

    page.goto("/login/")
    switch_language(page, language)
    login(page, staff_user)
    html_lang(page).to_have_attribute("lang", language)
    open_form_from_the_header(page, page_problems, language)
    problems += layout_problems(page, page_problems, f"the empty activity form ({language})")

    # With the errors of the required fields shown (saving the empty form), too.
    save(page)
    expect(activity_form(page).locator("#id_title_error")).to_be_visible()
    problems += layout_problems(page, page_problems, f"the activity form with errors ({language})")

    assert not problems, "too wide for a 390 px phone:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_field_of_the_activity_form_has_its_label(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
    language: str,
):
    """Each control is named by its label (a choice by its own), in the interface language."""
    with translation.override(language):
        django_form = ActivityForm(user=staff_user)
        # A radio button or a checkbox is named by its choice; the others by the field.
        labels = {
            f"id_{name}": str(django_form[name].label)
            for name, field in django_form.fields.items()
            if getattr(field.widget, "input_type", None) not in {"radio", "checkbox", "hidden"}
        }
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    switch_language(page, language)
    login(page, staff_user)
    page.goto(NEW_URL)
    page_problems.assert_none(f"the empty activity form ({language})")

    form = activity_form(page)
    unnamed = []
    for control in form.locator("input:not([type=hidden]), select, textarea").all():
        control_id = control.get_attribute("id") or ""
        if control_id in labels:
            name = re.compile(rf"^{re.escape(labels[control_id])}\s*:?$")
            expect(control).to_have_accessible_name(name)
        elif not control.evaluate("(el) => el.labels.length && el.labels[0].innerText.trim()"):
            unnamed.append(control_id)
    assert not unnamed, f"controls without a label: {unnamed}"

    # The empty choice of a drop-down list is the form's own, translated text: Django 6.1's
    # "- Select an option -" has no Finnish or Swedish translation yet.
    blank = translated(language, "– choose –")
    for select in form.locator("select:not([multiple])").all():
        expect(select.locator("option").first).to_have_text(blank)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_header_links_and_buttons_stay_on_one_line_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
    language: str,
):
    """The language buttons, "Log activity" and the menu fit the header of a 390 px phone."""
    page.set_viewport_size(PHONE)
    page.goto("/login/")
    switch_language(page, language)
    login(page, staff_user)
    open_form_from_the_header(page, page_problems, language)

    wrapped = page.evaluate(WRAPPED_IN_HEADER_JS)
    assert not wrapped, f"the header is too crowded on a 390 px phone ({language}):\n" + "\n".join(
        wrapped
    )


def test_fields_stay_next_to_their_labels_and_errors_on_a_phone(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    staff_user: User,
    choices: Choices,
):
    """Each count of participants stays with its age band, also when one count is refused."""
    page.set_viewport_size(PHONE)
    login(page, staff_user)
    open_form_from_the_header(page, page_problems, settings.LANGUAGE_CODE)
    form = activity_form(page)
    problems = [f"the empty form: {problem}" for problem in form.evaluate(APART_JS)]

    fill_in(page, choices)
    form.locator("#id_participants_13_17").fill("-1")
    save(page)
    expect(form.locator("#id_participants_13_17_error")).to_be_visible()
    expect(form.locator(".errorlist")).to_have_count(1)
    page_problems.assert_none("the activity form refused for a negative count")
    problems += [f"a count refused: {problem}" for problem in form.evaluate(APART_JS)]

    assert not problems, "fields apart from their labels or errors on a 390 px phone:\n" + (
        "\n".join(problems)
    )
    assert Activity.objects.count() == 0

"""Means tracking and outcome assessments in a real browser.

A means' owner, on her phone, opens her means (goal 2's third), writes what has happened and
sets it from "not started" to "in progress"; the note shows on the means page, newest first,
and the means' status changes. The director then opens goal 2's dashboard on her desktop: the
owner's note is in the means section, and another means of the goal, in progress but last
noted 61 days ago, is flagged as silent while the owner's is not.

Leadership assesses an outcome (goal 2's first) twice: at "progressing" with two of the goal's
metrics behind it, then later at "achieved" as the final assessment of the strategy period.
The history keeps the first one and the timeline shows both. The strategy's evaluation then
lists, as still missing, an outcome without a final assessment and not the one just assessed;
once that outcome has its final assessment too, nothing is missing.

The data is the seed strategy 2023–2025, the active one. Its last year is over (the tests do
not freeze time), so assessments may be dated in 2025 and 2026 up to today.

The interface is in Finnish: the tests find things by their ids, classes and names, and by
the text the users typed themselves.

On SQLite the live server's threads share the test's one database connection, so the tests
wait for each HTMX request a page makes before they act again or touch the database.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from evaluation.models import Level, OutcomeAssessment
from goals.models import Goal, Means, Outcome, Strategy
from kalliola.roles import LEADERSHIP, STAFF
from tests.browser.conftest import PHONE, TIMEOUT_MS, PageProblems
from tests.browser.helpers import accessibility_problems, layout_problems, wait_for_htmx
from tests.factories.evaluation import OutcomeAssessmentFactory
from tests.factories.goal import MeansNoteFactory
from tests.factories.metric import MetricFactory
from tests.factories.user import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

GOAL = 2
OWNED = 3  # the owner's means: 2.3
QUIET = 1  # a means of the same goal whose last note is old: 2.1
NOTE = "Kävimme kahdella uudella alueella ja löysimme kolme kumppania kerhoille."
OLD_NOTE = "Toimintamallia testattiin keväällä yhdessä asukasyhdistyksen kanssa."

ASSESSED = 1  # the outcome leadership assesses: 2.1
MISSING = 2  # another outcome of the goal, without a final assessment: 2.2
METRIC_NAMES = ("Uudet toimintatavat", "Kumppanit alueilla")
FIRST_EVIDENCE = "Kolme uutta toimintatapaa on kokeiltu kahdella alueella, ja kaksi jatkuu."
FINAL_EVIDENCE = "Uudet palvelut ovat vakiintuneet kaikilla alueilla syksyn aikana."
MISSING_EVIDENCE = "Toimintamalli on kirjattu ja käytössä kaikissa yksiköissä."


@pytest.fixture
def phone(browser: Browser, live_server, page_problems: PageProblems) -> Iterator[Page]:
    """A page in a browser context of its own on a 390 × 844 touch phone: another person's
    browser than the `page` fixture's."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        locale="fi-FI",
        timezone_id="Europe/Helsinki",
    )
    context.set_default_timeout(TIMEOUT_MS)
    phone = context.new_page()
    page_problems.watch(phone)
    yield phone
    context.close()


def means_url(position: int) -> str:
    return f"/goals/{GOAL}/means/{position}/"


def outcome_url(position: int) -> str:
    return f"/goals/{GOAL}/outcomes/{position}/"


def means_state(page: Page, position: int) -> Locator:
    """The goal dashboard's entry for a means of the goal."""
    link = f'a[href="{means_url(position)}"]'
    return page.locator("section.goal-means ul.means-states li.means-state").filter(
        has=page.locator(link)
    )


def test_the_owner_notes_progress_on_a_phone_and_the_director_sees_it_on_the_goal_dashboard(
    phone: Page,
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    strategy: Strategy,
):
    owner = UserFactory.create(username="means-owner", role=STAFF)
    director = UserFactory.create(username="director", role=LEADERSHIP)
    goal = strategy.goals.get(number=GOAL)
    owned = Means.objects.get(goal=goal, position=OWNED)
    owned.owner = owner
    owned.save()
    assert owned.status == Means.Status.NOT_STARTED
    quiet = Means.objects.get(goal=goal, position=QUIET)
    quiet.status = Means.Status.IN_PROGRESS
    quiet.save()
    MeansNoteFactory.create(
        means=quiet,
        text=OLD_NOTE,
        status=Means.Status.IN_PROGRESS,
        written_at=timezone.now() - datetime.timedelta(days=61),
    )

    # The owner, on her phone, opens her means and writes a note.
    login(phone, owner)
    phone.goto(means_url(OWNED))
    wait_for_htmx(phone)
    expect(phone.locator("#means-activities")).to_be_visible()
    expect(phone.locator("main h1.part-title")).to_have_text(owned.text)
    notes = phone.locator("ol.means-notes li.means-note")
    expect(notes).to_have_count(0)
    form = phone.locator("section.means-note-form form")
    # The status she has now is chosen to begin with.
    expect(form.locator('input[name="status"]:checked')).to_have_value(Means.Status.NOT_STARTED)
    form.locator('textarea[name="text"]').fill(NOTE)
    form.locator(f'input[name="status"][value="{Means.Status.IN_PROGRESS}"]').check()
    with phone.expect_navigation():
        form.locator('button[type="submit"]').click()

    # Back on the means page, the note is the newest, with the status it reported.
    expect(phone).to_have_url(means_url(OWNED))
    wait_for_htmx(phone)
    # What was done under the means since the note, loaded by HTMX.
    expect(phone.locator("#means-activities")).to_be_visible()
    expect(notes).to_have_count(1)
    expect(notes.first.locator(".means-note__text")).to_have_text(NOTE)
    expect(notes.first.locator(".means-status")).to_have_class(
        re.compile(rf"\bmeans-status--{Means.Status.IN_PROGRESS}\b")
    )
    facts = phone.locator("dl.means-facts")
    expect(facts.locator(".means-status")).to_have_class(
        re.compile(rf"\bmeans-status--{Means.Status.IN_PROGRESS}\b")
    )
    expect(facts).to_contain_text(owner.get_full_name())
    # Nothing is typed into the form again.
    expect(phone.locator('section.means-note-form textarea[name="text"]')).to_have_value("")
    problems = layout_problems(phone, page_problems, "the means page (390 px)")
    assert not problems, "wider than a 390 px phone:\n" + "\n".join(problems)
    problems = accessibility_problems(phone, "the means page (390 px)")
    assert not problems, "accessibility violations:\n" + "\n".join(problems)
    owned.refresh_from_db()
    assert owned.status == Means.Status.IN_PROGRESS
    note = owned.notes.get()
    assert (note.text, note.status, note.author) == (NOTE, Means.Status.IN_PROGRESS, owner)

    # The director, on her desktop, opens the goal's dashboard.
    login(page, director)
    page.goto(f"/dashboard/goals/{GOAL}/")
    wait_for_htmx(page)
    expect(page.locator("section.goal-outcomes ul#goal-outcomes li.outcome-level")).to_have_count(
        goal.outcome_set.count()
    )
    expect(page.locator("section.goal-means li.means-state")).to_have_count(goal.means_set.count())
    mine = means_state(page, OWNED)
    expect(mine).to_have_count(1)
    expect(mine.locator(".means-state__note")).to_contain_text(NOTE)
    expect(mine).not_to_have_class(re.compile(r"\bmeans-state--silent\b"))
    expect(mine.locator("strong.silent-flag")).to_have_count(0)
    silent = means_state(page, QUIET)
    expect(silent).to_have_class(re.compile(r"\bmeans-state--silent\b"))
    expect(silent.locator("strong.silent-flag")).to_be_visible()
    expect(silent.locator(".means-state__note")).to_contain_text(OLD_NOTE)
    page_problems.assert_none("the goal dashboard")
    problems = accessibility_problems(page, "the goal dashboard")
    assert not problems, "accessibility violations:\n" + "\n".join(problems)


def record_assessment(
    page: Page,
    *,
    assessed_on: datetime.date,
    level: Level,
    evidence: str,
    is_final: bool = False,
    metric_count: int = 0,
    check_accessibility: bool = False,
) -> None:
    """Open "Record an assessment" on the outcome page, fill it in and save it."""
    details = page.locator("details.assessment-form")
    expect(details).not_to_have_attribute("open", re.compile(".*"))
    details.locator("summary").click()
    expect(details).to_have_attribute("open", "")
    form = details.locator("form")
    expect(form.locator("#id_assessed_on")).to_be_visible()
    # Each level comes with its definition.
    expect(form.locator("fieldset.level-choice small.level-definition")).to_have_count(len(Level))
    if check_accessibility:
        problems = accessibility_problems(page, "the outcome page, its form open")
        assert not problems, "accessibility violations:\n" + "\n".join(problems)
    form.locator("#id_assessed_on").fill(assessed_on.isoformat())
    form.locator(f"#id_level_{level.value}").check()
    form.locator("#id_evidence").fill(evidence)
    if is_final:
        form.locator("#id_is_final").check()
    metrics = form.locator('input[name="metrics"]')
    for index in range(metric_count):
        metrics.nth(index).check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()


def test_leadership_assesses_an_outcome_twice_and_the_evaluation_shows_what_is_missing(
    page: Page,
    page_problems: PageProblems,
    login: Callable[..., None],
    leadership_user: User,
    strategy: Strategy,
):
    goal: Goal = strategy.goals.get(number=GOAL)
    metrics = [MetricFactory.create(goal=goal, name=name) for name in METRIC_NAMES]
    assessed = Outcome.objects.get(goal=goal, position=ASSESSED)
    missing = Outcome.objects.get(goal=goal, position=MISSING)
    # Every other outcome of the strategy has its final assessment already.
    for outcome in Outcome.objects.filter(goal__strategy=strategy).exclude(
        pk__in=[assessed.pk, missing.pk]
    ):
        OutcomeAssessmentFactory.create(
            outcome=outcome, assessed_on=datetime.date(2025, 12, 1), is_final=True
        )
    # Only an assessment that is not final for the missing one.
    OutcomeAssessmentFactory.create(outcome=missing, assessed_on=datetime.date(2025, 6, 1))
    first_day, final_day = datetime.date(2025, 12, 10), datetime.date(2026, 6, 1)
    assert final_day <= timezone.localdate()

    login(page, leadership_user)
    page.goto(outcome_url(ASSESSED))
    expect(page.locator("main h1")).to_have_text(assessed.text)
    expect(page.locator("article.assessment")).to_have_count(0)
    expect(page.locator("table.level-timeline")).to_have_count(0)
    record_assessment(
        page,
        assessed_on=first_day,
        level=Level.PROGRESSING,
        evidence=FIRST_EVIDENCE,
        metric_count=len(metrics),
        check_accessibility=True,
    )

    expect(page).to_have_url(outcome_url(ASSESSED))
    history = page.locator("article.assessment")
    expect(history).to_have_count(1)
    expect(history.first.locator(".assessment__evidence")).to_have_text(FIRST_EVIDENCE)
    expect(history.first.locator(f'time[datetime="{first_day.isoformat()}"]')).to_have_count(1)
    expect(history.first.locator(f".level--{Level.PROGRESSING.value}")).to_have_count(1)
    for name in METRIC_NAMES:
        expect(history.first.get_by_role("link", name=name, exact=True)).to_be_visible()
    page_problems.assert_none("the outcome page after the first assessment")
    first = OutcomeAssessment.objects.get(outcome=assessed)
    assert (first.assessed_on, first.level, first.is_final) == (
        first_day,
        Level.PROGRESSING,
        False,
    )
    assert set(first.metrics.all()) == set(metrics)
    assert first.author == leadership_user

    # A later one, the final assessment of the strategy period.
    record_assessment(
        page,
        assessed_on=final_day,
        level=Level.ACHIEVED,
        evidence=FINAL_EVIDENCE,
        is_final=True,
    )
    expect(page).to_have_url(outcome_url(ASSESSED))
    expect(history).to_have_count(2)
    # Newest first; the first assessment stays in the history as it was.
    expect(history.locator(".assessment__evidence")).to_have_text([FINAL_EVIDENCE, FIRST_EVIDENCE])
    expect(history.nth(1).get_by_role("link", name=METRIC_NAMES[0], exact=True)).to_be_visible()
    # The timeline runs oldest first: progressing, then achieved.
    rows = page.locator("table.level-timeline tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(f".level--{Level.PROGRESSING.value}")).to_have_count(1)
    expect(rows.nth(1).locator(f".level--{Level.ACHIEVED.value}")).to_have_count(1)
    page_problems.assert_none("the outcome page after the final assessment")
    final = OutcomeAssessment.objects.filter(outcome=assessed).order_by("-assessed_on").first()
    assert final is not None
    assert (final.assessed_on, final.level, final.is_final) == (final_day, Level.ACHIEVED, True)

    # The evaluation: the other outcome is still missing its final assessment.
    evaluation_url = f"/strategies/{strategy.slug}/evaluation/"
    page.goto(evaluation_url)
    section = page.locator("section.evaluation-missing")
    listed = section.locator("ul.missing-outcomes li")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text(missing.number)
    expect(listed.locator(f'a[href="{outcome_url(MISSING)}"]')).to_have_count(1)
    expect(section.locator(f'a[href="{outcome_url(ASSESSED)}"]')).to_have_count(0)
    expect(section.locator("ul.open-means")).to_have_count(0)
    expect(page.locator('form[action$="/evaluation/done/"]')).to_have_count(0)
    page_problems.assert_none("the evaluation page, an outcome missing")
    problems = accessibility_problems(page, "the evaluation page, an outcome missing")

    # From the list to the outcome, which gets its final assessment.
    listed.locator("a").click()
    expect(page).to_have_url(outcome_url(MISSING))
    record_assessment(
        page,
        assessed_on=final_day,
        level=Level.PROGRESSING,
        evidence=MISSING_EVIDENCE,
        is_final=True,
    )
    expect(page).to_have_url(outcome_url(MISSING))
    expect(page.locator("article.assessment").first.locator(".assessment__evidence")).to_have_text(
        MISSING_EVIDENCE
    )

    # Nothing is missing now: the strategy's years are over, so it can be marked done.
    page.goto(evaluation_url)
    expect(section).to_be_visible()
    expect(section.locator("ul.missing-outcomes")).to_have_count(0)
    expect(section.locator("ul.open-means")).to_have_count(0)
    expect(page.locator('form[action$="/evaluation/done/"] button[type="submit"]')).to_be_visible()
    page_problems.assert_none("the evaluation page, nothing missing")
    problems += accessibility_problems(page, "the evaluation page, nothing missing")
    assert not problems, "accessibility violations:\n" + "\n".join(problems)

"""The demo's means and outcomes followed over the strategy: owners, statuses, a plausible series
of progress notes, and leadership's yearly assessments of the outcomes.

The story it tells: most means were done by the end of the strategy, one was dropped and one
never started; two are still in progress in the demo's today, one with a recent note, the other
silent for months (the goal dashboard flags it). The outcomes were assessed each December; the
last round marked its assessments final, except for two outcomes, so the strategy's evaluation
page has something still missing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone

from evaluation.models import Level, OutcomeAssessment
from goals.models import Means, MeansNote, Outcome, Strategy
from measures.models import Metric
from neighbourhoods.models import Activity

# Means whose story differs from "started in the first spring, done by the end": by number.
STILL_IN_PROGRESS = ("2.3", "3.2")  # 2.3 has a recent note, 3.2 has gone silent
SILENT = "3.2"
DROPPED = "4.5"
NEVER_STARTED = "1.4"
# Outcomes whose last assessment is not yet final, so the evaluation is not complete.
NOT_FINAL = ("2.2", "4.3")

NOTE_TEXTS = [
    "Aloitimme suunnittelun yhdessä yksiköiden kanssa ja sovimme vastuut.",
    "Kokeilu käynnistyi kahdessa naapurustossa; ensimmäiset kokemukset ovat hyviä.",
    "Kolme uutta kumppania mukana, yhteinen tapaaminen pidetty.",
    "Toiminta on vakiintumassa, seuraavaksi laajennamme uusille alueille.",
    "Kävimme tulokset läpi johtoryhmässä ja tarkensimme tavoitteita.",
    "Henkilöstö koulutettu, malli on käytössä useimmissa yksiköissä.",
    "Syksyn aikana toiminta hiljeni resurssien takia; jatkamme alkuvuodesta.",
    "Osallistujien palaute kerätty ja toimintaa muutettu sen perusteella.",
    "Yhteistyö kaupungin kanssa tiivistyi, yhteinen suunnitelma valmis.",
    "Jakomäessä aloitettu nuorisotalon kanssa; 3 uutta kumppania.",
]
DONE_TEXT = "Tavoite saavutettu: toiminta on osa arkea, ja keino merkitään tehdyksi."
DROPPED_TEXT = "Luovumme keinosta: sama tavoite toteutuu paremmin keinon 4.3 kautta."

EVIDENCE = {
    Level.NOT_STARTED: "Ei vielä toimenpiteitä; asia on tunnistettu suunnitelmassa.",
    Level.EMERGING: "Ensimmäiset kokeilut tehty muutamassa yksikössä; kokemuksia kerätään.",
    Level.PROGRESSING: (
        "Toimintatapa on käytössä osassa yksiköitä, ja mittarit näyttävät muutosta "
        "oikeaan suuntaan."
    ),
    Level.ACHIEVED: (
        "Hyvä näyttää tältä nyt: toimintatapa on käytössä koko järjestössä, ja mittarit "
        "sekä palaute tukevat arviota."
    ),
}


def _notes_for(
    means: Means,
    owner: User,
    first: datetime.date,
    last: datetime.date,
    rng: random.Random,
) -> list[MeansNote]:
    """Notes every one to three months from first to last, in progress all along."""
    notes = []
    day = first
    while day <= last:
        written_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(14, 0)))
        notes.append(
            MeansNote(
                means=means,
                author=owner,
                written_at=written_at,
                text=rng.choice(NOTE_TEXTS),
                status=Means.Status.IN_PROGRESS,
            )
        )
        day += datetime.timedelta(days=rng.randint(30, 90))
    return notes


def create_demo_progress(
    *, strategy: Strategy, owners: Sequence[User], today: datetime.date, rng: random.Random
) -> str:
    """Give the strategy's means owners, statuses and notes, and assess its outcomes each
    December; a one-line summary. Does nothing where notes or assessments exist already."""
    means_list = list(
        Means.objects.filter(goal__strategy=strategy)
        .select_related("goal")
        .order_by("goal__number", "position")
    )
    outcomes = list(
        Outcome.objects.filter(goal__strategy=strategy)
        .select_related("goal")
        .order_by("goal__number", "position")
    )
    if (
        not owners
        or MeansNote.objects.filter(means__in=means_list).exists()
        or OutcomeAssessment.objects.filter(outcome__in=outcomes).exists()
    ):
        return "means and outcomes already followed"
    start = datetime.date(strategy.start_year, 2, 1)
    end = min(datetime.date(strategy.end_year, 12, 31), today)
    notes: list[MeansNote] = []
    for index, means in enumerate(means_list):
        owner = owners[index % len(owners)]
        number = means.number
        begin = start + datetime.timedelta(days=rng.randint(0, 120))
        if number == NEVER_STARTED:
            status = Means.Status.NOT_STARTED
        elif number in STILL_IN_PROGRESS:
            status = Means.Status.IN_PROGRESS
            # The silent one's last note is five months old; the other's is two weeks old.
            until = today - datetime.timedelta(days=150 if number == SILENT else 14)
            series = _notes_for(means, owner, begin, until, rng)
            series[-1].written_at = timezone.make_aware(
                datetime.datetime.combine(until, datetime.time(9, 30))
            )
            notes += series
        else:
            finish = end - datetime.timedelta(days=rng.randint(20, 400))
            series = _notes_for(means, owner, begin, finish, rng)
            status = Means.Status.DROPPED if number == DROPPED else Means.Status.DONE
            closing = DROPPED_TEXT if status == Means.Status.DROPPED else DONE_TEXT
            notes += series
            notes.append(
                MeansNote(
                    means=means,
                    author=owner,
                    written_at=timezone.make_aware(
                        datetime.datetime.combine(finish, datetime.time(15, 0))
                    ),
                    text=closing,
                    status=status,
                )
            )
        means.owner = owner
        means.status = status
    Means.objects.bulk_update(means_list, ["owner", "status"])
    for note in notes:
        note.full_clean()  # the privacy guard checks the demo's texts, too
    MeansNote.objects.bulk_create(notes)
    assessments = _assess(strategy, outcomes, owners[0], today, rng)
    return f"{len(notes)} notes on {len(means_list)} means, {assessments} outcome assessments"


def _assess(
    strategy: Strategy,
    outcomes: Sequence[Outcome],
    author: User,
    today: datetime.date,
    rng: random.Random,
) -> int:
    """Each outcome assessed every December of the strategy, its level rising on the way."""
    made = 0
    last_year = strategy.end_year
    for outcome in outcomes:
        goal = outcome.goal
        metrics = list(Metric.objects.filter(goal=goal, built_in="").order_by("pk")[:2])
        level = Level.NOT_STARTED
        for year in range(strategy.start_year, last_year + 1):
            day = datetime.date(year, 12, 12)
            if day > today:
                break
            level = Level(min(Level.ACHIEVED, level + rng.choice((0, 1, 1, 2))))
            activities = list(
                Activity.objects.filter(
                    Q(goals=goal) | Q(means__goal=goal),
                    status=Activity.Status.DONE,
                    date__year=year,
                )
                .distinct()
                .order_by("date", "pk")[:3]
            )
            assessment = OutcomeAssessment(
                outcome=outcome,
                assessed_on=day,
                level=level,
                evidence=EVIDENCE[level],
                is_final=year == last_year and outcome.number not in NOT_FINAL,
                author=author,
            )
            assessment.full_clean()
            assessment.save()
            assessment.metrics.set(metrics)
            assessment.activities.set(activities)
            made += 1
    return made

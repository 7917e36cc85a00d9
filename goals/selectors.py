"""Reads of the strategy, each with the joins its page needs."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone

from goals.models import Goal, Means, MeansNote, Outcome, Strategy


def strategy_active() -> Strategy | None:
    """The active strategy with everything the strategy house shows, or None."""
    return (
        Strategy.objects.filter(status=Strategy.Status.ACTIVE)
        .prefetch_related(
            "values",
            "phenomenonfields",
            "phenomenonsources",
            "inequalitythemes",
            Prefetch("goals", queryset=Goal.objects.order_by("number")),
        )
        .first()
    )


def goal_list(*, strategy: Strategy) -> QuerySet[Goal]:
    return Goal.objects.filter(strategy=strategy).order_by("number")


def goal_for_page(*, number: int) -> Goal | None:
    """A goal of the active strategy with its means and outcomes, or None."""
    return (
        Goal.objects.filter(strategy__status=Strategy.Status.ACTIVE, number=number)
        .select_related("strategy")
        .prefetch_related(
            Prefetch("means_set", queryset=Means.objects.order_by("position")),
            Prefetch("outcome_set", queryset=Outcome.objects.order_by("position")),
        )
        .first()
    )


@dataclass(frozen=True)
class MeansState:
    """A means with its latest progress note, and whether it has gone silent."""

    means: Means
    latest: MeansNote | None
    silent: bool


def _silent(means: Means, latest: MeansNote | None, now: datetime.datetime) -> bool:
    """A means still being worked on whose last note (if any) is older than the setting."""
    if not means.is_open:
        return False
    limit = now - datetime.timedelta(days=settings.MEANS_SILENT_AFTER_DAYS)
    return latest is None or latest.written_at < limit


def means_states(means_list: QuerySet[Means]) -> list[MeansState]:
    """Each means with its latest note, in two queries however many notes there are."""
    latest_id = MeansNote.objects.filter(means=OuterRef("pk")).order_by("-written_at", "-pk")
    rows = list(
        means_list.select_related("goal__strategy", "owner").annotate(
            latest_note_id=Subquery(latest_id.values("pk")[:1])
        )
    )
    ids = [row.latest_note_id for row in rows if row.latest_note_id]
    notes = MeansNote.objects.select_related("author").in_bulk(ids) if ids else {}
    now = timezone.now()
    states = []
    for means in rows:
        latest = notes.get(means.latest_note_id)
        states.append(MeansState(means, latest, _silent(means, latest, now)))
    return states


def means_of_goal(*, goal: Goal) -> list[MeansState]:
    return means_states(Means.objects.filter(goal=goal).order_by("position"))


def means_owned_by(*, user: AuthUser | AnonymousUser) -> list[MeansState]:
    """The means of the active strategy the user owns, by goal and position."""
    if not user.is_authenticated:
        return []
    return means_states(
        Means.objects.filter(owner=user.pk, goal__strategy__status=Strategy.Status.ACTIVE).order_by(
            "goal__number", "position"
        )
    )


def means_for_page(*, number: int, position: int) -> Means | None:
    """A means of the active strategy, with its goal and owner."""
    return (
        Means.objects.filter(
            goal__strategy__status=Strategy.Status.ACTIVE, goal__number=number, position=position
        )
        .select_related("goal__strategy", "owner")
        .first()
    )


def means_notes(*, means: Means) -> QuerySet[MeansNote]:
    """The means' progress notes, newest first, with their authors."""
    return (
        MeansNote.objects.filter(means=means)
        .select_related("author")
        .order_by("-written_at", "-pk")
    )


def can_manage_means(user: AuthUser | AnonymousUser) -> bool:
    """Leadership and admins set owners and statuses and write on any means."""
    return user.has_perm("goals.manage_means")


def can_write_note(user: AuthUser | AnonymousUser, means: Means) -> bool:
    """A means' owner writes its notes; so do leadership and admins."""
    if can_manage_means(user):
        return True
    return (
        user.is_authenticated and means.owner_id == user.pk and user.has_perm("goals.add_meansnote")
    )


def possible_owners() -> QuerySet[AuthUser]:
    """Everyone who can log in, by name: any of them may own a means."""
    return AuthUser.objects.filter(is_active=True).order_by("first_name", "last_name", "username")

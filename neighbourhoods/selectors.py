"""Reads of the activity log, each with the joins its page needs, and what a user may see."""

from __future__ import annotations

import datetime
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Model, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from goals.models import Goal, InequalityTheme, Means, Strategy
from neighbourhoods.models import Activity, Area, Partner, Signal, Unit

User = AuthUser | AnonymousUser


def can_see_all_activities(user: User) -> bool:
    return user.has_perm("neighbourhoods.view_all_activities")


def _for_list() -> QuerySet[Activity]:
    """Activities with what a row of the list shows."""
    return Activity.objects.select_related("area", "type", "unit").prefetch_related("goals")


def activity_mine(*, user: User) -> QuerySet[Activity]:
    """The activities the user logged or organised."""
    # A subquery, so that the join to the organisers does not duplicate rows.
    mine = Activity.objects.filter(Q(created_by=user.pk) | Q(organisers=user.pk)).values("pk")
    return _for_list().filter(pk__in=mine)


def _upcoming(today: datetime.date) -> Q:
    """Planned and not yet over: starting today or later, or still going on."""
    return Q(status=Activity.Status.PLANNED) & (Q(date__gte=today) | Q(end_date__gte=today))


def activities_upcoming(
    activities: QuerySet[Activity], *, today: datetime.date
) -> QuerySet[Activity]:
    """The planned activities not yet over, the soonest first."""
    return activities.filter(_upcoming(today)).order_by(
        "date", F("start_time").asc(nulls_first=True), "pk"
    )


def activities_earlier(
    activities: QuerySet[Activity], *, today: datetime.date
) -> QuerySet[Activity]:
    """Everything but the upcoming: done work (and plans whose day has passed), newest first."""
    return activities.exclude(_upcoming(today)).order_by("-date", "-pk")


def activity_list(*, user: User) -> QuerySet[Activity]:
    """Activities the user may see: all of them, or those they logged or organised."""
    if can_see_all_activities(user):
        return _for_list()
    return activity_mine(user=user)


def activity_for_user(*, user: User, activity_id: int) -> Activity:
    """One activity with everything its detail page shows, if the user may see it."""
    activity = (
        activity_list(user=user)
        .select_related("area__parent", "project", "created_by", "import_batch")
        .prefetch_related("means__goal", "themes", "partners", "organisers")
        .filter(pk=activity_id)
        .first()
    )
    if activity is None:
        raise Http404(_("No such activity, or it is not yours to see."))
    return activity


def can_change_activity(user: User, activity: Activity) -> bool:
    """Any activity with change_all_activities; otherwise only one's own."""
    if user.has_perm("neighbourhoods.change_all_activities"):
        return True
    return user.has_perm("neighbourhoods.change_activity") and activity.created_by_id == user.pk


def activity_for_edit(*, user: User, activity_id: int) -> Activity:
    """An activity the user may change (see can_change_activity), or 404/403."""
    activity = activity_for_user(user=user, activity_id=activity_id)
    if can_change_activity(user, activity):
        return activity
    raise PermissionDenied(_("Only the person who logged an activity, or an admin, can change it."))


def activity_last_of(*, user: User) -> Activity | None:
    """The user's latest activity, whose area and type the next one starts from."""
    return Activity.objects.filter(created_by=user.pk).order_by("-created_at").first()


def active_strategy_goals() -> QuerySet[Goal]:
    return Goal.objects.filter(strategy__status=Strategy.Status.ACTIVE).order_by("number")


def active_strategy_means() -> QuerySet[Means]:
    return (
        Means.objects.filter(goal__strategy__status=Strategy.Status.ACTIVE)
        .select_related("goal")
        .order_by("goal__number", "position")
    )


def active_strategy_themes() -> QuerySet[InequalityTheme]:
    return InequalityTheme.objects.filter(strategy__status=Strategy.Status.ACTIVE).order_by(
        "position"
    )


def areas_for_logging() -> QuerySet[Area]:
    """Basic districts and sub-districts; those Kalliola works in first."""
    return (
        Area.objects.exclude(level=Area.Level.MUNICIPALITY)
        .select_related("parent")
        .order_by("-kalliola_works_here", "name")
    )


def units_for(*, user: User) -> QuerySet[Unit]:
    """The units a user can log for: their own; an admin, any active unit."""
    units = Unit.objects.filter(is_active=True)
    if user.has_perm("neighbourhoods.change_all_activities"):
        return units
    return units.filter(members=user.pk)


def _date_area_conditions(filters: dict[str, Any]) -> Q:
    """The date range and the area of a filter form; a basic district includes its parts."""
    conditions = Q()
    if start := filters.get("date_from"):
        conditions &= Q(date__gte=start)
    if end := filters.get("date_to"):
        conditions &= Q(date__lte=end)
    if area := filters.get("area"):
        conditions &= Q(area=area) | Q(area__parent=area)
    return conditions


def only_unit_of(*, user: User) -> Unit | None:
    """The user's unit, when they log for exactly one: forms start from it."""
    units = list(units_for(user=user)[:2])
    return units[0] if len(units) == 1 else None


def activity_filter(activities: QuerySet[Activity], filters: dict[str, Any]) -> QuerySet[Activity]:
    """Narrow a list of activities by the cleaned data of ActivityFilterForm."""
    conditions = _date_area_conditions(filters)
    for name, lookup in (
        ("type", "type"),
        ("unit", "unit"),
        ("project", "project"),
        ("batch", "import_batch"),
    ):
        if value := filters.get(name):
            conditions &= Q(**{lookup: value})
    related = {
        "goal": "goals",
        "means": "means",
        "theme": "themes",
        "partner": "partners",
        "organiser": "organisers",
    }
    for name, relation in related.items():
        if value := filters.get(name):
            # A subquery, so that the joins do not duplicate rows.
            ids = Activity.objects.filter(**{relation: value}).values("pk")
            conditions &= Q(pk__in=ids)
    if text := (filters.get("q") or "").strip():
        conditions &= (
            Q(title__icontains=text) | Q(description__icontains=text) | Q(heard__icontains=text)
        )
    return activities.filter(conditions)


def object_history(obj: Model) -> QuerySet[LogEntry]:
    """Who created, changed or deleted what and when, newest first."""
    return (
        LogEntry.objects.get_for_object(obj)
        .select_related("actor", "content_type")
        # One save writes an entry per changed many-to-many field, all in the same instant.
        .order_by("-timestamp", "-pk")
    )


def can_see_history(user: User) -> bool:
    """Leadership and admins see the recorded history of activities, signals and partners."""
    return user.has_perm("auditlog.view_logentry")


def can_see_all_signals(user: User) -> bool:
    return user.has_perm("neighbourhoods.view_all_signals")


def signal_list(*, user: User) -> QuerySet[Signal]:
    """Signals the user may see: all of them, or those they logged."""
    signals = Signal.objects.select_related("area", "unit").prefetch_related("themes")
    if can_see_all_signals(user):
        return signals
    return signals.filter(created_by=user.pk)


def signal_for_user(*, user: User, signal_id: int) -> Signal:
    """One signal with everything its detail page shows, if the user may see it."""
    signal = (
        signal_list(user=user)
        .select_related("area__parent", "activity", "created_by")
        .filter(pk=signal_id)
        .first()
    )
    if signal is None:
        raise Http404(_("No such signal, or it is not yours to see."))
    return signal


def can_change_signal(user: User, signal: Signal) -> bool:
    """Any signal with change_all_signals; otherwise only one's own."""
    if user.has_perm("neighbourhoods.change_all_signals"):
        return True
    return user.has_perm("neighbourhoods.change_signal") and signal.created_by_id == user.pk


def signal_for_edit(*, user: User, signal_id: int) -> Signal:
    """A signal the user may change (see can_change_signal), or 404/403."""
    signal = signal_for_user(user=user, signal_id=signal_id)
    if can_change_signal(user, signal):
        return signal
    raise PermissionDenied(_("Only the person who logged a signal, or an admin, can change it."))


def signal_filter(signals: QuerySet[Signal], filters: dict[str, Any]) -> QuerySet[Signal]:
    """Narrow a list of signals by the cleaned data of SignalFilterForm."""
    conditions = _date_area_conditions(filters)
    for name in ("urgency", "raised_by", "unit"):
        if value := filters.get(name):
            conditions &= Q(**{name: value})
    if theme := filters.get("theme"):
        conditions &= Q(pk__in=Signal.objects.filter(themes=theme).values("pk"))
    if text := (filters.get("q") or "").strip():
        conditions &= Q(text__icontains=text)
    return signals.filter(conditions)


def _seen_through(relation: str, user: User) -> Q:
    """The rows linked (by the relation) to an activity the user may see; for those who see
    every activity, to any activity, without a subquery listing them all."""
    if can_see_all_activities(user):
        return Q(**{f"{relation}__isnull": False})
    return Q(**{f"{relation}__in": activity_mine(user=user).values("pk")})


def organisers_seen_by(*, user: User) -> QuerySet[AuthUser]:
    """The people organising activities the user may see, by name."""
    return (
        AuthUser.objects.filter(_seen_through("organised_activities", user))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def partner_list(*, user: User) -> QuerySet[Partner]:
    """Partners with the number of activities each took part in that the user may see."""
    return Partner.objects.annotate(
        activity_count=Count("activities", filter=_seen_through("activities", user))
    ).order_by("name")


def partner_activities(*, user: User, partner: Partner) -> QuerySet[Activity]:
    """The activities the partner took part in that the user may see, latest first."""
    ids = Activity.objects.filter(partners=partner).values("pk")
    return activity_list(user=user).filter(pk__in=ids)


def means_activity_totals(*, means: Means, since: datetime.date | None) -> dict[str, int]:
    """How many done activities were logged under the means (since a day, if given) and how
    many took part in them, in one aggregate over the organisation's whole log."""
    done = Activity.objects.filter(means=means, status=Activity.Status.DONE)
    if since is not None:
        done = done.filter(date__gte=since)
    totals = done.aggregate(
        activities=Count("pk"),
        participants=Sum("participants_total", default=0),
        new_participants=Sum("new_participants", default=0),
    )
    return {name: int(value or 0) for name, value in totals.items()}

"""Reads of the activity log, each with the joins its page needs, and what a user may see."""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from goals.models import Goal, InequalityTheme, Means, Strategy
from neighbourhoods.models import Activity, Area, Unit

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


def activity_list(*, user: User) -> QuerySet[Activity]:
    """Activities the user may see: all of them, or those they logged or organised."""
    if can_see_all_activities(user):
        return _for_list()
    return activity_mine(user=user)


def activity_for_user(*, user: User, activity_id: int) -> Activity:
    """One activity with everything its detail page shows, if the user may see it."""
    activity = (
        activity_list(user=user)
        .select_related("area__parent", "project", "created_by")
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


def activity_filter(activities: QuerySet[Activity], filters: dict[str, Any]) -> QuerySet[Activity]:
    """Narrow a list of activities by the cleaned data of ActivityFilterForm."""
    conditions = Q()
    if start := filters.get("date_from"):
        conditions &= Q(date__gte=start)
    if end := filters.get("date_to"):
        conditions &= Q(date__lte=end)
    if area := filters.get("area"):
        # A basic district includes its sub-districts.
        conditions &= Q(area=area) | Q(area__parent=area)
    for name, lookup in (
        ("type", "type"),
        ("unit", "unit"),
        ("project", "project"),
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


def activity_history(*, activity: Activity) -> QuerySet[LogEntry]:
    """Who changed what and when, newest first."""
    return (
        LogEntry.objects.get_for_object(activity)
        .select_related("actor", "content_type")
        .order_by("-timestamp")
    )

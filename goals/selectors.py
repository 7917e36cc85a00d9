"""Reads of the strategy, each with the joins its page needs."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from goals.models import Goal, Means, Outcome, Strategy


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

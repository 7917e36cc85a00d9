"""Reads of outcome assessments and of a strategy's evaluation, each in a fixed number of
queries however long the history is."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from evaluation.models import GoalEvaluation, OutcomeAssessment, StrategyEvaluation
from goals.models import Goal, Means, Outcome, Strategy
from goals.selectors import MeansState, means_states
from measures import selectors as measures_selectors
from measures.models import Metric
from measures.selectors import Summary
from neighbourhoods.models import Activity

User = AuthUser | AnonymousUser

# How many of the goal's latest activities the assessment form offers before a search.
ACTIVITY_CHOICES_SHOWN = 30


def can_assess(user: User) -> bool:
    """Leadership and admins assess outcomes."""
    return user.has_perm("evaluation.add_outcomeassessment")


def can_evaluate(user: User) -> bool:
    """Leadership and admins write the strategy's evaluation and mark it done."""
    return user.has_perm("evaluation.change_strategyevaluation")


def is_over(strategy: Strategy, today: datetime.date) -> bool:
    """Whether the strategy's last year has passed."""
    return today > datetime.date(strategy.end_year, 12, 31)


def outcome_for_page(*, number: int, position: int) -> Outcome | None:
    """An outcome of the active strategy, with its goal."""
    return (
        Outcome.objects.filter(
            goal__strategy__status=Strategy.Status.ACTIVE, goal__number=number, position=position
        )
        .select_related("goal__strategy")
        .first()
    )


def assessments_of(*, outcome: Outcome) -> list[OutcomeAssessment]:
    """The outcome's assessments, newest first, with their authors, metrics and activities."""
    return list(
        OutcomeAssessment.objects.filter(outcome=outcome)
        .select_related("author")
        .prefetch_related(
            Prefetch("metrics", queryset=Metric.objects.order_by("name")),
            Prefetch(
                "activities", queryset=Activity.objects.select_related("area").order_by("-date")
            ),
        )
        .order_by("-assessed_on", "-pk")
    )


def latest_assessment(outcome: Outcome) -> OutcomeAssessment | None:
    return OutcomeAssessment.objects.filter(outcome=outcome).order_by("-assessed_on", "-pk").first()


@dataclass(frozen=True)
class OutcomeState:
    """An outcome with its latest assessment, or its final one on the evaluation page."""

    outcome: Outcome
    assessment: OutcomeAssessment | None


def _with_assessment(outcomes: QuerySet[Outcome], *, final: bool) -> list[OutcomeState]:
    """Each outcome with its latest (final) assessment, in two queries."""
    newest = OutcomeAssessment.objects.filter(outcome=OuterRef("pk"))
    if final:
        newest = newest.filter(is_final=True)
    shown = newest.order_by("-assessed_on", "-pk").values("pk")[:1]
    rows = list(outcomes.annotate(shown_id=Subquery(shown)))
    ids = [row.shown_id for row in rows if row.shown_id]
    found = OutcomeAssessment.objects.in_bulk(ids) if ids else {}
    return [OutcomeState(row, found.get(row.shown_id)) for row in rows]


def outcome_levels(*, goal: Goal) -> list[OutcomeState]:
    """The goal's outcomes, each with its latest assessment: the goal dashboard's section."""
    outcomes = Outcome.objects.filter(goal=goal).select_related("goal").order_by("position")
    return _with_assessment(outcomes, final=False)


def metric_choices(goal: Goal) -> QuerySet[Metric]:
    """The metrics an assessment of the goal's outcomes may link: the goal's agreed metrics."""
    return Metric.objects.filter(goal=goal, built_in="").order_by("name")


def activity_choices(goal: Goal) -> QuerySet[Activity]:
    """The activities an assessment may link: the done activities linked to the goal."""
    return (
        Activity.objects.filter(Q(goals=goal) | Q(means__goal=goal), status=Activity.Status.DONE)
        .distinct()
        .select_related("area")
        .order_by("-date", "-pk")
    )


def activities_offered(goal: Goal, *, chosen: list[int], query: str = "") -> list[Activity]:
    """What the form lists: the chosen activities, then the latest (or those matching a search)."""
    candidates = activity_choices(goal)
    if query:
        candidates = candidates.filter(title__icontains=query)
    shown = list(candidates.exclude(pk__in=chosen)[:ACTIVITY_CHOICES_SHOWN])
    picked = list(activity_choices(goal).filter(pk__in=chosen)) if chosen else []
    return picked + shown


@dataclass
class GoalResult:
    """One goal on the evaluation page."""

    goal: Goal
    summary: str
    outcomes: list[OutcomeState]
    metrics: list[Summary]
    means: list[MeansState]


@dataclass
class Evaluation:
    """A strategy's evaluation page: per goal, and what is still missing before it is done."""

    strategy: Strategy
    record: StrategyEvaluation | None
    goals: list[GoalResult]
    over: bool
    missing_outcomes: list[Outcome] = field(default_factory=list)
    open_means: list[Means] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return self.record is not None and self.record.done_at is not None

    @property
    def complete(self) -> bool:
        return not self.missing_outcomes and not self.open_means


def strategy_for_evaluation(*, slug: str) -> Strategy | None:
    return Strategy.objects.filter(slug=slug).first()


def evaluation_of(*, strategy: Strategy, today: datetime.date) -> Evaluation:
    """Everything the evaluation page shows, in a fixed number of queries."""
    record = StrategyEvaluation.objects.filter(strategy=strategy).select_related("done_by").first()
    goals = list(Goal.objects.filter(strategy=strategy).order_by("number"))
    summaries = dict(
        GoalEvaluation.objects.filter(goal__strategy=strategy).values_list("goal", "summary")
    )
    outcomes = _with_assessment(
        Outcome.objects.filter(goal__strategy=strategy)
        .select_related("goal")
        .order_by("goal__number", "position"),
        final=True,
    )
    means = means_states(
        Means.objects.filter(goal__strategy=strategy).order_by("goal__number", "position")
    )
    agreed = list(measures_selectors.metrics().filter(goal__strategy=strategy, built_in=""))
    metric_summaries = measures_selectors.summaries(agreed, today)
    results = [
        GoalResult(
            goal=goal,
            summary=summaries.get(goal.pk, ""),
            outcomes=[s for s in outcomes if s.outcome.goal_id == goal.pk],
            metrics=[s for s in metric_summaries if s.metric.goal_id == goal.pk],
            means=[s for s in means if s.means.goal_id == goal.pk],
        )
        for goal in goals
    ]
    return Evaluation(
        strategy=strategy,
        record=record,
        goals=results,
        over=is_over(strategy, today),
        missing_outcomes=[s.outcome for s in outcomes if s.assessment is None],
        open_means=[s.means for s in means if s.means.status == Means.Status.IN_PROGRESS],
    )

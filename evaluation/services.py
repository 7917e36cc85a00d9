"""Writes of outcome assessments and of a strategy's evaluation.

An outcome's assessments are its history: a new one is never dated before the latest, and once
a later one exists an earlier one is not changed. The outcome row is locked while an assessment
is written, so two leaders saving at once cannot both pass these checks.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User as AuthUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from evaluation.models import GoalEvaluation, OutcomeAssessment, StrategyEvaluation
from evaluation.selectors import evaluation_of, is_over
from goals.models import Goal, Outcome, Strategy
from measures.models import Metric
from neighbourhoods.models import Activity


def _check_open(strategy: Strategy) -> None:
    if StrategyEvaluation.objects.filter(strategy=strategy, done_at__isnull=False).exists():
        raise ValidationError(
            _("The strategy's evaluation is marked done: reopen it to change its assessments."),
            code="evaluation_done",
        )


def _check_date(assessed_on: datetime.date, previous: OutcomeAssessment | None) -> None:
    if assessed_on > timezone.localdate():
        message = _("An assessment cannot be dated in the future.")
        raise ValidationError({"assessed_on": ValidationError(message, code="future")})
    if previous is not None and assessed_on < previous.assessed_on:
        message = _(
            "The outcome was last assessed on %(date)s: a new assessment cannot be dated before it."
        ) % {"date": formats.date_format(previous.assessed_on, "SHORT_DATE_FORMAT")}
        raise ValidationError({"assessed_on": ValidationError(message, code="before_latest")})


def _save(
    assessment: OutcomeAssessment,
    metrics: Iterable[Metric],
    activities: Iterable[Activity],
) -> OutcomeAssessment:
    assessment.full_clean()
    assessment.save()
    assessment.metrics.set(metrics)
    assessment.activities.set(activities)
    return assessment


@transaction.atomic
def assessment_create(
    *,
    outcome: Outcome,
    author: AuthUser,
    assessed_on: datetime.date,
    level: int,
    evidence: str,
    is_final: bool,
    metrics: Iterable[Metric] = (),
    activities: Iterable[Activity] = (),
) -> OutcomeAssessment:
    """Record leadership's judgement of an outcome, dated on or after the latest one."""
    outcome = Outcome.objects.select_for_update().select_related("goal").get(pk=outcome.pk)
    _check_open(outcome.goal.strategy)
    previous = (
        OutcomeAssessment.objects.filter(outcome=outcome).order_by("-assessed_on", "-pk").first()
    )
    _check_date(assessed_on, previous)
    assessment = OutcomeAssessment(
        outcome=outcome,
        author=author,
        assessed_on=assessed_on,
        level=level,
        evidence=evidence,
        is_final=is_final,
    )
    return _save(assessment, metrics, activities)


@transaction.atomic
def assessment_update(
    *,
    assessment: OutcomeAssessment,
    assessed_on: datetime.date,
    level: int,
    evidence: str,
    is_final: bool,
    metrics: Iterable[Metric] = (),
    activities: Iterable[Activity] = (),
) -> OutcomeAssessment:
    """Correct the latest assessment of an outcome; an earlier one is history and stays."""
    outcome = (
        Outcome.objects.select_for_update().select_related("goal").get(pk=assessment.outcome_id)
    )
    _check_open(outcome.goal.strategy)
    history = list(
        OutcomeAssessment.objects.filter(outcome=outcome).order_by("-assessed_on", "-pk")[:2]
    )
    if history[0].pk != assessment.pk:
        raise ValidationError(
            _("A later assessment of this outcome exists: this one is history and stays as it is."),
            code="not_latest",
        )
    _check_date(assessed_on, history[1] if len(history) > 1 else None)
    assessment = OutcomeAssessment.objects.get(pk=assessment.pk)
    assessment.assessed_on = assessed_on
    assessment.level = level
    assessment.evidence = evidence
    assessment.is_final = is_final
    return _save(assessment, metrics, activities)


@transaction.atomic
def evaluation_save(
    *, strategy: Strategy, summary: str, goal_summaries: Mapping[Goal, str]
) -> StrategyEvaluation:
    """Save leadership's closing summaries, of the whole strategy and of each goal."""
    record, _created = StrategyEvaluation.objects.select_for_update().get_or_create(
        strategy=strategy
    )
    if record.done_at is not None:
        raise ValidationError(
            _("The evaluation is marked done: reopen it to change its summaries."),
            code="evaluation_done",
        )
    record.summary = summary
    record.full_clean()
    record.save()
    for goal, text in goal_summaries.items():
        row = GoalEvaluation.objects.filter(goal=goal).first() or GoalEvaluation(goal=goal)
        if row.pk is None and not text:
            continue
        row.summary = text
        row.full_clean()
        row.save()
    return record


@transaction.atomic
def evaluation_mark_done(*, strategy: Strategy, user: AuthUser) -> StrategyEvaluation:
    """Close the evaluation: only once the strategy is over and nothing is missing."""
    record, _created = StrategyEvaluation.objects.select_for_update().get_or_create(
        strategy=strategy
    )
    today = timezone.localdate()
    if not is_over(strategy, today):
        raise ValidationError(
            _("The strategy runs until the end of %(year)s: its evaluation can be done after that.")
            % {"year": strategy.end_year},
            code="not_over",
        )
    evaluation = evaluation_of(strategy=strategy, today=today)
    if not evaluation.complete:
        raise ValidationError(
            _(
                "Something is still missing: every outcome needs a final assessment and no "
                "means may still be in progress."
            ),
            code="incomplete",
        )
    if record.done_at is None:
        record.done_at = timezone.now()
        record.done_by = user
        record.save(update_fields=["done_at", "done_by", "updated_at"])
    return record


@transaction.atomic
def evaluation_reopen(*, strategy: Strategy) -> StrategyEvaluation | None:
    """Open a done evaluation again, to correct it."""
    record = StrategyEvaluation.objects.select_for_update().filter(strategy=strategy).first()
    if record is not None and record.done_at is not None:
        record.done_at = None
        record.done_by = None
        record.save(update_fields=["done_at", "done_by", "updated_at"])
    return record

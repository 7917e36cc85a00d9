"""Did Kalliola get there: leadership's judgement of each outcome over time, and the strategy's
final evaluation.

Most of what the strategy hopes for ("the co-development model is adopted and in use") cannot
be counted from the log: leadership judges it. An assessment records that judgement with its
evidence and the metrics and activities behind it. Assessments form a history; once a later one
exists, an earlier one is never edited (see services.assessment_update).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, Outcome, Strategy, TimestampedModel
from kalliola.dates import validate_date_in_window
from kalliola.privacy import validate_no_personal_data
from measures.models import Metric
from neighbourhoods.models import Activity


class Level(models.IntegerChoices):
    """How far an outcome is, in four steps; the numbers order them on a chart."""

    NOT_STARTED = 0, _("Not started")
    EMERGING = 1, _("Emerging")
    PROGRESSING = 2, _("Progressing")
    ACHIEVED = 3, _("Achieved")


LEVEL_DEFINITIONS = {
    Level.NOT_STARTED: _("Nothing has been done towards this outcome yet."),
    Level.EMERGING: _("First steps: plans, pilots or single examples, not yet established."),
    Level.PROGRESSING: _("Established in part of the organisation, and the evidence shows change."),
    Level.ACHIEVED: _("Good looks like this now, and the evidence shows it."),
}


class OutcomeAssessment(TimestampedModel):
    outcome = models.ForeignKey(
        Outcome, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("outcome")
    )
    assessed_on = models.DateField(_("date"), validators=[validate_date_in_window])
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    evidence = models.TextField(
        _("evidence"),
        max_length=4000,
        validators=[validate_no_personal_data],
        help_text=_(
            "What shows this level: facts, numbers, examples. No names or contact details."
        ),
    )
    is_final = models.BooleanField(
        _("final assessment of the strategy period"),
        default=False,
        help_text=_("The judgement the strategy's evaluation reports for this outcome."),
    )
    metrics = models.ManyToManyField(
        Metric, blank=True, related_name="assessments", verbose_name=_("supporting metrics")
    )
    activities = models.ManyToManyField(
        Activity,
        blank=True,
        related_name="assessments",
        verbose_name=_("supporting activities"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessed by"),
    )

    class Meta:
        verbose_name = _("outcome assessment")
        verbose_name_plural = _("outcome assessments")
        ordering = ["outcome", "-assessed_on", "-pk"]
        indexes = [models.Index(fields=["outcome", "-assessed_on"])]

    def __str__(self) -> str:
        return f"{self.outcome.number} {self.assessed_on}: {self.get_level_display()}"

    @property
    def definition(self) -> str:
        return str(LEVEL_DEFINITIONS[Level(self.level)])


class StrategyEvaluation(TimestampedModel):
    """The closing word on a strategy whose years are over; done once leadership says so."""

    strategy = models.OneToOneField(
        Strategy, on_delete=models.CASCADE, related_name="evaluation", verbose_name=_("strategy")
    )
    summary = models.TextField(
        _("summary of the strategy period"),
        max_length=6000,
        blank=True,
        validators=[validate_no_personal_data],
    )
    done_at = models.DateTimeField(_("marked done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("marked done by"),
    )

    class Meta:
        verbose_name = _("strategy evaluation")
        verbose_name_plural = _("strategy evaluations")

    def __str__(self) -> str:
        return str(self.strategy)


class GoalEvaluation(TimestampedModel):
    """Leadership's closing summary of one goal."""

    goal = models.OneToOneField(
        Goal, on_delete=models.CASCADE, related_name="evaluation", verbose_name=_("goal")
    )
    summary = models.TextField(
        _("summary of the goal"),
        max_length=4000,
        blank=True,
        validators=[validate_no_personal_data],
    )

    class Meta:
        verbose_name = _("goal evaluation")
        verbose_name_plural = _("goal evaluations")

    def __str__(self) -> str:
        return str(self.goal)

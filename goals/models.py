"""The strategy as data: what Kalliola aims for.

Text fields that carry the organisation's own words are translatable (see translation.py):
each has Finnish, Swedish and English columns, and an empty Swedish or English text falls back
to Finnish. Multi-paragraph texts keep their paragraphs separated by a blank line.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kalliola.privacy import validate_no_personal_data


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs of a text whose paragraphs are separated by blank lines."""
    return [part.strip() for part in text.split("\n\n") if part.strip()]


class TimestampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class Strategy(TimestampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived")

    slug = models.SlugField(
        _("identifier"), max_length=50, unique=True, help_text=_("For example 2023-2025.")
    )
    name = models.CharField(_("name"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    story_title = models.CharField(_("title of the story"), max_length=300, blank=True)
    story = models.TextField(
        _("story"), blank=True, help_text=_("One item per paragraph, separated by a blank line.")
    )
    mission_title = models.CharField(_("mission"), max_length=300, blank=True)
    mission = models.TextField(_("mission (explanation)"), blank=True)
    vision_title = models.CharField(_("vision"), max_length=300, blank=True)
    vision = models.TextField(_("vision (explanation)"), blank=True)
    closing_line = models.CharField(_("closing sentence"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["-start_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_year__gte=F("start_year")),
                name="strategy_period_ordered",
                violation_error_message=_("The last year cannot be before the first year."),
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status="active"),
                name="strategy_one_active",
                violation_error_message=_("Only one strategy can be active at a time."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def period(self) -> str:
        return f"{self.start_year}–{self.end_year}"

    @property
    def story_items(self) -> list[str]:
        return split_paragraphs(self.story)

    @property
    def mission_paragraphs(self) -> list[str]:
        return split_paragraphs(self.mission)

    @property
    def vision_paragraphs(self) -> list[str]:
        return split_paragraphs(self.vision)


class StrategyPart(TimestampedModel):
    """A numbered item that belongs to one strategy and is shown in a fixed order."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="%(class)ss", verbose_name=_("strategy")
    )
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        abstract = True
        ordering = ["strategy", "position"]


class Value(StrategyPart):
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"))

    class Meta(StrategyPart.Meta):
        verbose_name = _("value")
        verbose_name_plural = _("values")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "position"],
                name="value_unique_position",
                violation_error_message=_("The strategy already has a value in this position."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PhenomenonField(StrategyPart):
    name = models.CharField(_("name"), max_length=200)

    class Meta(StrategyPart.Meta):
        verbose_name = _("phenomenon field")
        verbose_name_plural = _("phenomenon fields")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "position"],
                name="phenomenonfield_unique_position",
                violation_error_message=_(
                    "The strategy already has a phenomenon field in this position."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PhenomenonSource(StrategyPart):
    """A source the phenomenon fields of the operating environment were drawn from."""

    citation = models.CharField(_("citation"), max_length=300)

    class Meta(StrategyPart.Meta):
        verbose_name = _("source of the phenomenon fields")
        verbose_name_plural = _("sources of the phenomenon fields")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "position"],
                name="phenomenonsource_unique_position",
                violation_error_message=_("The strategy already has a source in this position."),
            ),
        ]

    def __str__(self) -> str:
        return self.citation


class InequalityTheme(StrategyPart):
    name = models.CharField(_("name"), max_length=200)

    class Meta(StrategyPart.Meta):
        verbose_name = _("inequality theme")
        verbose_name_plural = _("inequality themes")
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "position"],
                name="inequalitytheme_unique_position",
                violation_error_message=_("The strategy already has a theme in this position."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Goal(TimestampedModel):
    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="goals", verbose_name=_("strategy")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    focus_area = models.CharField(_("focus area"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("Paragraphs separated by a blank line.")
    )
    metrics_note = models.CharField(
        _("note on metrics"),
        max_length=300,
        blank=True,
        help_text=_("What the strategy says about how this goal is measured."),
    )

    class Meta:
        verbose_name = _("strategic goal")
        verbose_name_plural = _("strategic goals")
        ordering = ["strategy", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["strategy", "number"],
                name="goal_unique_number",
                violation_error_message=_("The strategy already has a goal with this number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1),
                name="goal_number_positive",
                violation_error_message=_("The goal number must be at least 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def description_paragraphs(self) -> list[str]:
        return split_paragraphs(self.description)


class GoalPart(TimestampedModel):
    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="%(class)s_set", verbose_name=_("goal")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.TextField(_("text"))

    class Meta:
        abstract = True
        ordering = ["goal", "position"]

    def __str__(self) -> str:
        return self.text


class Means(GoalPart):
    """A means (keino) by which the organisation pursues a goal, with the person who owns it
    and where it stands."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", pgettext_lazy("means status", "Done")
        DROPPED = "dropped", _("Dropped")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_means",
        verbose_name=_("owner"),
        help_text=_("Follows the means and writes its progress notes."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED
    )

    class Meta(GoalPart.Meta):
        verbose_name = _("means")
        verbose_name_plural = pgettext_lazy("plural", "means")
        permissions = [
            ("manage_means", _("Can set the owner and status of any means and write its notes")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "position"],
                name="means_unique_position",
                violation_error_message=_("The goal already has a means in this position."),
            ),
        ]

    @property
    def number(self) -> str:
        """The means as the strategy numbers it: "2.3" is goal 2's third means."""
        return f"{self.goal.number}.{self.position}"

    @property
    def is_open(self) -> bool:
        """Still being worked on: a done or dropped means is not expected to report."""
        return self.status in (self.Status.NOT_STARTED, self.Status.IN_PROGRESS)


class MeansNote(TimestampedModel):
    """A dated note on how a means is progressing, with the status it had when written."""

    means = models.ForeignKey(
        Means, on_delete=models.CASCADE, related_name="notes", verbose_name=_("means")
    )
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(
        _("progress"),
        max_length=2000,
        validators=[validate_no_personal_data],
        help_text=_("What has happened since the last note. No names or contact details."),
    )
    status = models.CharField(_("status"), max_length=20, choices=Means.Status.choices)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["-written_at", "-pk"]
        indexes = [models.Index(fields=["means", "-written_at"])]

    def __str__(self) -> str:
        return f"{self.means.number} {self.written_at:%Y-%m-%d}"


class Outcome(GoalPart):
    """What good looks like at the end of the strategy period."""

    class Meta(GoalPart.Meta):
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "position"],
                name="outcome_unique_position",
                violation_error_message=_("The goal already has an outcome in this position."),
            ),
        ]

    @property
    def number(self) -> str:
        return f"{self.goal.number}.{self.position}"

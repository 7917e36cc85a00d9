"""How far Kalliola is: metrics agreed later, their versions, values and manual measurements.

A metric's identity (name, goal, targets, owner) is edited in place; what produces its numbers
(kind, period, definition) is a MetricVersion that never changes once saved. Editing the
definition creates a new version, so every stored value says which definition produced it.
Values are snapshots written by the recompute task (see computation.py and tasks.py); pages
only read them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from goals.models import Goal, Means, Outcome, TimestampedModel
from kalliola.dates import validate_date_in_window
from kalliola.privacy import validate_no_personal_data
from neighbourhoods.closing import ClosedPeriods, refusal
from neighbourhoods.models import Area, ClosedPeriod

# Values are stored with this precision: enough for hours, scores and ratios.
VALUE_DIGITS = 16
VALUE_DECIMALS = 4
# A value rounded to the stored precision compares equal to the stored value.
VALUE_QUANTUM = Decimal(1).scaleb(-VALUE_DECIMALS)


class Period(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Metric(TimestampedModel):
    """A metric the leadership agreed on, e.g. new participants reached through outreach."""

    class Kind(models.TextChoices):
        ACTIVITY = "activity", _("Computed from the activity log")
        MANUAL = "manual", _("Entered by hand")
        RATIO = "ratio", _("One metric divided by another")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")
        DECREASE = "decrease", _("Decrease")
        KEEP = "keep", _("Keep at its level")

    class BuiltIn(models.TextChoices):
        """What a metric the app keeps for every goal counts: the goal's volume and reach."""

        ACTIVITIES = "activities", _("The goal's activities")
        PARTICIPANTS = "participants", _("Participants in the goal's activities")
        # Kalliola's whole reach per year and area, kept under the goal that builds the
        # inequality meter (INEQUALITY_METER_GOAL); the meter reads them.
        REACH_ACTIVITIES = "reach_activities", _("All activities, per year")
        REACH_PARTICIPANTS = "reach_participants", _("All participants, per year")
        REACH_NEW = "reach_new", _("All new participants, per year")

    class TargetKind(models.TextChoices):
        LEVEL = "level", _("A level in each period")
        YEAR_TOTAL = "year_total", _("A total for the year")

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    unit = models.CharField(
        _("unit of measure"), max_length=50, help_text=_("E.g. participants, hours, %, score.")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    goal = models.ForeignKey(
        Goal, on_delete=models.PROTECT, related_name="metrics", verbose_name=_("strategic goal")
    )
    means = models.ForeignKey(
        Means,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metrics",
        verbose_name=_("means"),
    )
    outcome = models.ForeignKey(
        Outcome,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="metrics",
        verbose_name=_("outcome"),
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE
    )
    baseline_value = models.DecimalField(
        _("baseline"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    baseline_period = models.DateField(
        _("baseline period"),
        null=True,
        blank=True,
        help_text=_("The first day of the period the baseline describes."),
        validators=[validate_date_in_window],
    )
    target_kind = models.CharField(
        _("the targets are"),
        max_length=10,
        choices=TargetKind.choices,
        default=TargetKind.LEVEL,
        help_text=_(
            "A level: each period's value is compared with the target (a survey score, a share, "
            "a count per quarter). A total for the year: the periods of a year add up to the "
            "target (4,000 participants in 2025), judged by the year so far."
        ),
    )
    data_from = models.DateField(
        _("data from"),
        null=True,
        blank=True,
        validators=[validate_date_in_window],
        help_text=_(
            "Periods that end before this day show no data instead of a value. Empty: from the "
            "first logged activity (for metrics on the log)."
        ),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_metrics",
        verbose_name=_("owner"),
    )
    current_version = models.ForeignKey(
        "MetricVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    computed_at = models.DateTimeField(_("computed at"), null=True, blank=True)
    built_in = models.CharField(
        _("built in"),
        max_length=20,
        choices=BuiltIn.choices,
        blank=True,
        editable=False,
        help_text=_("Kept by the app for every goal; it cannot be deleted or redefined."),
    )

    class Meta:
        verbose_name = _("metric")
        verbose_name_plural = _("metrics")
        ordering = ["goal__number", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(baseline_value__isnull=True) | Q(baseline_period__isnull=False),
                name="metric_baseline_has_period",
                violation_error_message=_("A baseline needs the period it describes."),
            ),
            models.UniqueConstraint(
                fields=["goal", "built_in"],
                condition=~Q(built_in=""),
                name="metric_built_in_once_per_goal",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name on pages: a built-in metric's in the reader's language."""
        if self.built_in == Metric.BuiltIn.ACTIVITIES:
            return gettext("Goal %(number)s: activities") % {"number": self.goal.number}
        if self.built_in == Metric.BuiltIn.PARTICIPANTS:
            return gettext("Goal %(number)s: participants") % {"number": self.goal.number}
        if self.built_in:
            return gettext("Kalliola's reach: %(what)s") % {"what": self.get_built_in_display()}
        return self.name

    @property
    def version(self) -> MetricVersion:
        """The current version (what produces the numbers on screen)."""
        if self.current_version is None:
            raise ValueError(f"The metric {self.pk} has no definition yet.")
        return self.current_version


class MetricVersion(models.Model):
    """One definition of a metric, as it was when saved; never changed afterwards."""

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="versions", verbose_name=_("metric")
    )
    number = models.PositiveIntegerField(_("version"))
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    definition = models.JSONField(_("definition"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("metric version")
        verbose_name_plural = _("metric versions")
        ordering = ["metric", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "number"],
                name="metric_version_unique_number",
                violation_error_message=_("The metric already has a version with this number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} v{self.number}"


class MetricTarget(models.Model):
    """What the metric should reach by the end of a year."""

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="targets", verbose_name=_("metric")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["metric", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "year"],
                name="metric_target_unique_year",
                violation_error_message=_("The metric already has a target for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.year}: {self.value}"


class MetricValue(models.Model):
    """A computed value of one metric version for one period, in all areas or in one area.

    ``area`` is empty for all areas together; otherwise a basic district (including its
    sub-districts) or a sub-district. ``value`` is empty when there is no data, e.g. a ratio
    whose denominator is zero. ``computed_at`` is when the value was written: a recompute
    that finds the same value leaves the row as it is.
    """

    version = models.ForeignKey(
        MetricVersion, on_delete=models.CASCADE, related_name="values", verbose_name=_("version")
    )
    period_start = models.DateField(_("period"))
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
    )
    value = models.DecimalField(
        pgettext_lazy("number", "value"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        null=True,
        blank=True,
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("metric value")
        verbose_name_plural = _("metric values")
        ordering = ["version", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "period_start", "area"], name="metric_value_unique_area"
            ),
            models.UniqueConstraint(
                fields=["version", "period_start"],
                condition=Q(area__isnull=True),
                name="metric_value_unique_all_areas",
            ),
        ]
        indexes = [models.Index(fields=["version", "area", "period_start"])]

    def __str__(self) -> str:
        return f"{self.version} {self.period_start}: {self.value}"


class Measurement(TimestampedModel):
    """A value of a manual metric for one period, with where it came from."""

    metric = models.ForeignKey(
        Metric, on_delete=models.CASCADE, related_name="measurements", verbose_name=_("metric")
    )
    period_start = models.DateField(_("period"), validators=[validate_date_in_window])
    value = models.DecimalField(
        pgettext_lazy("number", "value"), max_digits=VALUE_DIGITS, decimal_places=VALUE_DECIMALS
    )
    source = models.CharField(
        _("source"),
        max_length=200,
        validators=[validate_no_personal_data],
        help_text=_("E.g. the brand awareness survey 2024."),
    )
    note = models.TextField(
        _("note"), max_length=2000, blank=True, validators=[validate_no_personal_data]
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )

    class Meta:
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        ordering = ["metric", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "period_start"],
                name="measurement_unique_period",
                violation_error_message=_("This period already has a value."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.period_start}: {self.value}"

    def clean(self) -> None:
        if (closed := self.closed_period()) is not None:
            raise ValidationError({"period_start": refusal(closed)})

    def closed_period(self, closed: ClosedPeriods | None = None) -> ClosedPeriod | None:
        """The closed reporting period the value's period (or, for a saved value being
        changed, its saved period) overlaps, if any: such a value is not changed. ``closed``:
        the closed periods, if already read."""
        from measures.periods import period_end

        current = self.metric.current_version if self.metric_id else None
        if current is None:
            return None
        starts = {self.period_start}
        if self.pk:
            starts |= set(
                Measurement.objects.filter(pk=self.pk).values_list("period_start", flat=True)
            )
        closed = closed or ClosedPeriods.load()
        for start in sorted(day for day in starts if day is not None):
            if (period := closed.overlapping(start, period_end(start, current.period))) is not None:
                return period
        return None


class StalePeriod(models.Model):
    """A period of a metric whose stored values no longer match the log.

    Written in the same transaction as the change that made it stale; deleted by the
    recompute that replaced the values. An empty period means the whole history.

    A mark written for an edit of the log names the edited row (an activity, or a signal for
    a metric of signals), its area, and in ``before`` what the row counted for the metric
    before the edit (see changes.Contribution; {} for nothing). Only the first mark of a row
    since the last recompute holds ``before``; later ones leave it empty. The recompute then
    changes the stored values by the difference instead of reading the periods again. A mark
    without a row makes the period stale (in all areas, or in the area's basic district).
    """

    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="stale_periods")
    period_start = models.DateField(null=True, blank=True)
    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    row = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(null=True, blank=True)
    marked_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stale period")
        verbose_name_plural = _("stale periods")

    def __str__(self) -> str:
        return f"{self.metric} {self.period_start or '*'}"

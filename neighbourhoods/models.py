"""What Kalliola does where: areas, units, partners, projects, the activity log and signals.

Participants are recorded only as anonymous counts by age band; free text is checked for
anything that could identify a person (see privacy.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from goals.models import Goal, InequalityTheme, Means, TimestampedModel
from kalliola.dates import validate_date_in_window
from kalliola.privacy import validate_no_personal_data

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MAX_PARTICIPANTS_PER_BAND = 100_000
MAX_VOLUNTEERS = 10_000
MAX_VOLUNTEER_HOURS = 100_000
TITLE_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 5_000


class Area(TimestampedModel):
    """A municipality, a basic district (peruspiiri) or a sub-district (osa-alue)."""

    class Level(models.TextChoices):
        MUNICIPALITY = "municipality", _("Municipality")
        BASIC_DISTRICT = "basic_district", _("Basic district")
        SUB_DISTRICT = "sub_district", _("Sub-district")

    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    code = models.CharField(
        _("code"),
        max_length=20,
        unique=True,
        help_text=_(
            "The official full code, e.g. 0913101000 for Kallio; "
            "for an area added by hand, any unique code."
        ),
    )
    short_code = models.CharField(
        _("short code"), max_length=10, blank=True, help_text=_("E.g. 301 for Kallio.")
    )
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    is_official = models.BooleanField(
        _("from the official district division"),
        default=False,
        help_text=_("Imported from the City of Helsinki district division."),
    )
    kalliola_works_here = models.BooleanField(_("Kalliola works here"), default=False)
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("Simplified GeoJSON geometry in WGS84, for maps."),
    )

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="municipality", parent__isnull=True)
                | (~Q(level="municipality") & Q(parent__isnull=False)),
                name="area_parent_matches_level",
                violation_error_message=_(
                    "A municipality cannot be part of another area; every other area must be "
                    "part of one."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(TimestampedModel):
    """A part of the organisation: a residents' house, the adult education centre, …"""

    class Kind(models.TextChoices):
        RESIDENTS_HOUSE = "residents_house", _("Residents' house")
        ADULT_EDUCATION = "adult_education", _("Adult education")
        YOUTH_WORK = "youth_work", _("Youth work")
        SERVICE = "service", _("Service")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="units", blank=True, verbose_name=_("members")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Partner(TimestampedModel):
    class Sector(models.TextChoices):
        RESIDENTS = "residents", _("Residents' groups")
        BUSINESS = "business", _("Businesses")
        THIRD_SECTOR = "third_sector", _("Third sector (associations, foundations)")
        FOURTH_SECTOR = "fourth_sector", _("Fourth sector (informal groups)")
        PUBLIC = "public", _("Public authorities")
        EDUCATION = "education", _("Educational institutions")
        OTHER = "other", _("Other")

    name = models.CharField(
        _("name"), max_length=200, unique=True, validators=[validate_no_personal_data]
    )
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Project(TimestampedModel):
    """A funded project or service; results are reported per funder."""

    class FunderKind(models.TextChoices):
        STEA = "stea", "STEA"
        CITY = "city", _("City of Helsinki")
        ESF = "esf", "ESF+"
        FOUNDATION = "foundation", _("Foundation")
        MINISTRY = "ministry", _("Ministry")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    funder_kind = models.CharField(_("kind of funder"), max_length=20, choices=FunderKind.choices)
    funder = models.CharField(
        _("funder"), max_length=200, help_text=_("E.g. STEA, or the foundation's name.")
    )
    starts_on = models.DateField(_("funding starts"), validators=[validate_date_in_window])
    ends_on = models.DateField(
        _("funding ends"), null=True, blank=True, validators=[validate_date_in_window]
    )
    goals = models.ManyToManyField(
        Goal, related_name="projects", blank=True, verbose_name=_("strategic goals")
    )

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="project_period_ordered",
                violation_error_message=_("The funding cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityType(TimestampedModel):
    """Outreach, community event, group, …: an admin-editable list."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


# The age bands participants are counted in, as field names; the total is their sum.
AGE_BANDS: tuple[str, ...] = (
    "participants_0_12",
    "participants_13_17",
    "participants_18_29",
    "participants_30_64",
    "participants_65_plus",
    "participants_unknown_age",
)


class Activity(TimestampedModel):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    title = models.CharField(
        _("title"), max_length=TITLE_MAX_LENGTH, validators=[validate_no_personal_data]
    )
    date = models.DateField(_("date"), validators=[validate_date_in_window])
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_date_in_window]
    )
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DONE
    )
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="activities", verbose_name=_("area")
    )
    type = models.ForeignKey(
        ActivityType, on_delete=models.PROTECT, related_name="activities", verbose_name=_("type")
    )
    participants_0_12 = models.PositiveIntegerField(
        _("participants aged 0–12"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_13_17 = models.PositiveIntegerField(
        _("participants aged 13–17"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_18_29 = models.PositiveIntegerField(
        _("participants aged 18–29"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_30_64 = models.PositiveIntegerField(
        _("participants aged 30–64"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_65_plus = models.PositiveIntegerField(
        _("participants aged 65+"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_unknown_age = models.PositiveIntegerField(
        _("participants of unknown age"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
    )
    participants_total = models.GeneratedField(
        expression=F("participants_0_12")
        + F("participants_13_17")
        + F("participants_18_29")
        + F("participants_30_64")
        + F("participants_65_plus")
        + F("participants_unknown_age"),
        output_field=models.PositiveIntegerField(),
        db_persist=True,
        verbose_name=_("participants in all"),
    )
    new_participants = models.PositiveIntegerField(
        _("new participants"),
        default=0,
        validators=[MaxValueValidator(MAX_PARTICIPANTS_PER_BAND)],
        help_text=_("How many took part for the first time."),
    )
    volunteers = models.PositiveIntegerField(
        _("volunteers"), default=0, validators=[MaxValueValidator(MAX_VOLUNTEERS)]
    )
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=8,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_VOLUNTEER_HOURS)],
    )
    partners = models.ManyToManyField(
        Partner, related_name="activities", blank=True, verbose_name=_("partners")
    )
    themes = models.ManyToManyField(
        InequalityTheme,
        related_name="activities",
        blank=True,
        verbose_name=_("inequality themes"),
    )
    goals = models.ManyToManyField(
        Goal, related_name="activities", verbose_name=_("strategic goals")
    )
    means = models.ManyToManyField(
        Means, related_name="activities", blank=True, verbose_name=pgettext_lazy("plural", "means")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="activities", verbose_name=_("unit")
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("project"),
    )
    description = models.TextField(
        _("description"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        validators=[validate_no_personal_data],
    )
    heard = models.TextField(
        _("what we heard"),
        max_length=TEXT_MAX_LENGTH,
        blank=True,
        validators=[validate_no_personal_data],
        help_text=_(
            "Signals of inequality that came up. Do not write anything that could identify "
            "a person."
        ),
    )
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="organised_activities",
        blank=True,
        verbose_name=_("organisers"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="logged_activities",
        verbose_name=_("logged by"),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        help_text=_(
            "Goes up by one with every save, so that no one's changes are silently overwritten."
        ),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)
    import_batch = models.ForeignKey(
        "ImportBatch",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("imported in"),
    )
    # A fingerprint of what an imported row said (see imports.row_key): a row equal to one
    # already imported is skipped. Empty for an activity logged in the form.
    import_key = models.CharField(
        max_length=64, blank=True, default="", db_default="", editable=False
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-date", "-id"]
        # Without these, a user sees and edits only the activities they logged.
        permissions = [
            ("view_all_activities", _("Can see every activity")),
            ("change_all_activities", _("Can change every activity")),
        ]
        indexes = [
            models.Index(fields=["date"]),
            # An area's activities in a date range; with their status, unit and id in the
            # index, a district's units and its activities' ids are read from the index alone.
            models.Index(
                fields=["area", "date"],
                include=["status", "unit", "id"],
                name="activity_area_date",
            ),
            models.Index(
                fields=["import_key"], name="activity_import_key", condition=~Q(import_key="")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("date")),
                name="activity_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(
                    new_participants__lte=F("participants_0_12")
                    + F("participants_13_17")
                    + F("participants_18_29")
                    + F("participants_30_64")
                    + F("participants_65_plus")
                    + F("participants_unknown_age")
                ),
                name="activity_new_within_total",
                violation_error_message=_(
                    "There cannot be more new participants than participants in all."
                ),
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{band}__lte": MAX_PARTICIPANTS_PER_BAND}),
                    name=f"activity_{band}_bounded",
                    violation_error_message=_("A count of participants is implausibly large."),
                )
                for band in AGE_BANDS
            ],
            models.CheckConstraint(
                condition=Q(volunteers__lte=MAX_VOLUNTEERS),
                name="activity_volunteers_bounded",
                violation_error_message=_("The number of volunteers is implausibly large."),
            ),
            models.CheckConstraint(
                condition=Q(volunteer_hours__gte=0, volunteer_hours__lte=MAX_VOLUNTEER_HOURS),
                name="activity_volunteer_hours_bounded",
                violation_error_message=_("The number of volunteer hours is implausibly large."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.title}"


class Signal(TimestampedModel):
    """An observation of inequality heard in the field."""

    class RaisedBy(models.TextChoices):
        RESIDENT = "resident", _("A resident")
        PARTNER = "partner", _("A partner")
        STAFF = "staff", _("Staff")
        OTHER = "other", _("Other")

    class Urgency(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    date = models.DateField(_("date"), validators=[validate_date_in_window])
    area = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="signals", verbose_name=_("area")
    )
    themes = models.ManyToManyField(
        InequalityTheme, related_name="signals", blank=True, verbose_name=_("inequality themes")
    )
    text = models.TextField(
        _("what was heard"), max_length=TEXT_MAX_LENGTH, validators=[validate_no_personal_data]
    )
    raised_by = models.CharField(_("raised by"), max_length=10, choices=RaisedBy.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.MEDIUM
    )
    activity = models.ForeignKey(
        Activity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("activity"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="signals", verbose_name=_("unit")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="logged_signals",
        verbose_name=_("logged by"),
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-date", "-id"]
        permissions = [
            ("view_all_signals", _("Can see every signal")),
            ("change_all_signals", _("Can change every signal")),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.text[:60]}"


# The public statistics of an area (see neighbourhoods/statistics.py): counts, split from postal
# areas by land share, so fractional; rates are computed from them, never stored.
def statistics_count(label: StrOrPromise) -> models.DecimalField[Decimal, Decimal]:
    return models.DecimalField(label, max_digits=12, decimal_places=3)


class AreaStatistics(TimestampedModel):
    """Public statistics of one area in one statistical year: residents by age band and the
    counts the need index reads (income, main activity, education)."""

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="statistics", verbose_name=_("area")
    )
    year = models.PositiveSmallIntegerField(_("statistical year"))
    source = models.CharField(_("source"), max_length=200)
    residents = statistics_count(_("residents"))
    residents_0_12 = statistics_count(_("residents aged 0–12"))
    residents_13_17 = statistics_count(_("residents aged 13–17"))
    residents_18_29 = statistics_count(_("residents aged 18–29"))
    residents_30_64 = statistics_count(_("residents aged 30–64"))
    residents_65_plus = statistics_count(_("residents aged 65 or over"))
    adults = statistics_count(_("residents aged 18 or over"))
    basic_education_only = statistics_count(_("adults with basic education only"))
    lowest_income_class = statistics_count(_("adults in the lowest income class"))
    employed = statistics_count(_("employed"))
    unemployed = statistics_count(_("unemployed"))

    class Meta:
        verbose_name = _("area statistics")
        verbose_name_plural = _("area statistics")
        ordering = ["area__code", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["area", "year"],
                name="areastatistics_one_per_area_and_year",
                violation_error_message=_("The area already has statistics for this year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.area} {self.year}"


class NeedComponent(models.Model):
    """Whether one component of the need index (neighbourhoods/need.py) counts in it; admins
    turn components on and off, and the index follows at once."""

    key = models.CharField(_("component"), max_length=40, unique=True)
    enabled = models.BooleanField(_("counts in the need index"), default=True)

    class Meta:
        verbose_name = _("need index component")
        verbose_name_plural = _("need index components")
        ordering = ["key"]

    def __str__(self) -> str:
        from neighbourhoods.need import COMPONENTS

        component = COMPONENTS.get(self.key)
        return str(component.label) if component else self.key


class ClosedPeriod(TimestampedModel):
    """A reporting period whose figures have been reported (to the funder, to the board): while
    it is closed, no activity, signal or manual metric value dated in it is created, changed
    or deleted (see closing.py). Reopening keeps the row, with who reopened it and why."""

    first_day = models.DateField(_("first day"), validators=[validate_date_in_window])
    last_day = models.DateField(_("last day"), validators=[validate_date_in_window])
    reason = models.TextField(
        _("reason for closing"),
        max_length=1000,
        validators=[validate_no_personal_data],
        help_text=_("E.g. STEA's annual report for 2025 was sent on 15 March 2026."),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
    )
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    reopen_reason = models.TextField(
        _("reason for reopening"),
        max_length=1000,
        blank=True,
        validators=[validate_no_personal_data],
    )

    class Meta:
        verbose_name = _("closed reporting period")
        verbose_name_plural = _("closed reporting periods")
        ordering = ["-first_day", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=F("first_day")),
                name="closedperiod_ordered",
                violation_error_message=_("The period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def is_closed(self) -> bool:
        return self.reopened_at is None

    @property
    def label(self) -> str:
        """ "2025" for a whole year, "1–3/2026" or "11/2025–2/2026" for months."""
        first, last = self.first_day, self.last_day
        if first.year == last.year and (first.month, first.day, last.month, last.day) == (
            1,
            1,
            12,
            31,
        ):
            return str(first.year)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.month}/{first.year}"
        if first.year == last.year:
            return f"{first.month}–{last.month}/{first.year}"
        return f"{first.month}/{first.year}–{last.month}/{last.year}"


class ImportBatch(TimestampedModel):
    """One uploaded spreadsheet of activities: checked first, then imported as a whole or not
    at all (see imports.py). Every imported activity points at its batch, which can be undone
    while none of them has been edited."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to be checked")
        CHECKING = "checking", _("Being checked")
        INVALID = "invalid", _("Has errors")
        READY = "ready", _("Checked, not yet imported")
        IMPORTING = "importing", _("Being imported")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="import_batches",
        verbose_name=_("imported by"),
    )
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("checksum (SHA-256)"), max_length=64)
    language = models.CharField(_("language"), max_length=10, default="fi")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    ready_rows = models.PositiveIntegerField(_("rows ready"), default=0)
    duplicate_rows = models.PositiveIntegerField(_("rows already imported"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # The first errors and duplicates: [{"row": 214, "column": "…", "message": "…"}, …],
    # written in the importer's language.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    duplicates = models.JSONField(_("rows already imported"), default=list, blank=True)
    problem = models.TextField(_("problem with the file"), blank=True)
    imported = models.PositiveIntegerField(_("activities imported"), default=0)
    imported_at = models.DateTimeField(_("imported"), null=True, blank=True)
    undone_at = models.DateTimeField(_("undone"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("undone by"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        permissions = [
            ("import_for_any_unit", _("Can import activities for any unit")),
            ("undo_any_import", _("Can undo anyone's import")),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%d.%m.%Y %H:%M})"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.CHECKING, self.Status.IMPORTING}


class ImportFile(models.Model):
    """The uploaded file of an import, kept apart from the batch and only while it is to be
    read (until the batch is imported, or found invalid): a spreadsheet may carry columns the
    import ignores, and with them what no one may keep (names, phone numbers)."""

    batch = models.OneToOneField(
        ImportBatch,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="file",
        verbose_name=_("import"),
    )
    content = models.BinaryField(_("file"))

    class Meta:
        verbose_name = _("imported file")
        verbose_name_plural = _("imported files")

    def __str__(self) -> str:
        return str(self.batch)

"""The metric definition form (admins) and the manual value form (leadership and admins)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from goals.models import Strategy
from kalliola.forms import BoundedModelMultipleChoiceField
from measures import meter
from measures.definitions import SIGNAL_FILTERS, ActivityDefinition, Aggregation, RatioDefinition
from measures.models import VALUE_DECIMALS, VALUE_DIGITS, Measurement, Metric, Period
from measures.periods import period_start
from measures.services import DESCRIPTION_FIELDS
from neighbourhoods import selectors as log
from neighbourhoods.forms import (
    CHOOSE_LABEL,
    AreaMultipleChoiceField,
    MeansChoiceField,
    OneMeansChoiceField,
    RadioChoicesMixin,
)
from neighbourhoods.models import (
    AGE_BANDS,
    Activity,
    ActivityType,
    Area,
    AreaStatistics,
    Partner,
    Project,
    Unit,
)

ANY = _("Any")

# The filters of an activity metric: form field → definition key.
FILTER_FIELDS = {
    "types": "types",
    "themes": "themes",
    "filter_goals": "goals",
    "filter_means": "means",
    "units": "units",
    "projects": "projects",
    "areas": "areas",
    "partner_sectors": "partner_sectors",
    "status": "status",
}
DEFINITION_FIELDS = ("aggregation", "age_bands", *FILTER_FIELDS)
RATIO_FIELDS = ("numerator", "denominator", "percent", "per_residents")
# What the live preview needs to be valid: the fields that produce the numbers.
PREVIEW_FIELDS = frozenset({"kind", "period", *DEFINITION_FIELDS, *RATIO_FIELDS, "__all__"})


def _value_field(label: Any, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_DECIMALS,
        localize=True,
    )


def _many(label: Any, queryset: Any) -> forms.ModelMultipleChoiceField:
    return BoundedModelMultipleChoiceField(
        label=label,
        queryset=queryset,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any."),
    )


class MetricForm(RadioChoicesMixin, forms.ModelForm):
    """Define a metric. Changing its period or what it counts makes a new version."""

    period = forms.ChoiceField(label=_("Period"), choices=Period.choices)
    aggregation = forms.ChoiceField(
        label=_("What is counted"),
        choices=[("", CHOOSE_LABEL), *Aggregation.choices],
        required=False,
    )
    age_bands = forms.MultipleChoiceField(
        label=_("Age bands"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only for participants. None chosen: all ages."),
    )
    types = _many(_("Activity types"), ActivityType.objects.filter(is_active=True))
    themes = _many(_("Inequality themes"), log.active_strategy_themes())
    filter_goals = _many(_("Strategic goals served"), log.active_strategy_goals())
    filter_means = MeansChoiceField(
        label=_("Means used"),
        queryset=log.active_strategy_means(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: any."),
    )
    units = _many(_("Units"), Unit.objects.filter(is_active=True))
    projects = _many(_("Projects"), Project.objects.order_by("name"))
    areas = AreaMultipleChoiceField(
        label=_("Areas"),
        queryset=log.areas_for_logging(),
        required=False,
        help_text=_("A basic district includes its sub-districts. None chosen: all areas."),
    )
    need_third = forms.ChoiceField(
        label=_("Areas by need"),
        choices=[
            ("", _("Not by need")),
            ("high", _("The highest-need third of the basic districts")),
            ("middle", _("The middle third of the basic districts by need")),
            ("low", _("The lowest-need third of the basic districts")),
        ],
        required=False,
        help_text=_(
            "From the inequality meter's need index. The districts of the third are saved as "
            "the metric's areas: after the need index changes, save the metric again."
        ),
    )
    partner_sectors = forms.MultipleChoiceField(
        label=_("Partner sectors"),
        choices=Partner.Sector.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Activities with at least one partner of these sectors. None chosen: any."),
    )
    status = forms.ChoiceField(
        label=_("Status of the activities"),
        choices=[("", ANY), *Activity.Status.choices],
        required=False,
        initial=Activity.Status.DONE,
    )
    numerator = forms.ModelChoiceField(
        label=_("Numerator"), queryset=Metric.objects.none(), required=False
    )
    denominator = forms.ModelChoiceField(
        label=_("Denominator"), queryset=Metric.objects.none(), required=False
    )
    percent = forms.BooleanField(label=_("Show as a percentage"), required=False)
    per_residents = forms.BooleanField(
        label=_("Per 1,000 residents"),
        required=False,
        help_text=_(
            "Divide by the residents of the areas the numerator counts in (all of Helsinki if "
            "it has no area filter), from the public statistics, instead of by a metric."
        ),
    )

    class Meta:
        model = Metric
        fields = ["kind", *DESCRIPTION_FIELDS]
        widgets = {
            "kind": forms.RadioSelect,
            "direction": forms.RadioSelect,
            "target_kind": forms.RadioSelect,
            "data_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 3}),
            "baseline_period": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        field_classes = {"means": OneMeansChoiceField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["goal"].queryset = log.active_strategy_goals()  # type: ignore[attr-defined]
        fields["means"].queryset = log.active_strategy_means()  # type: ignore[attr-defined]
        fields["outcome"].queryset = (  # type: ignore[attr-defined]
            fields["outcome"]
            .queryset.filter(goal__strategy__status=Strategy.Status.ACTIVE)  # type: ignore[attr-defined]
            .select_related("goal")
            .order_by("goal__number", "position")
        )
        # Left out of a post, the kind of target stays what it was (a level for a new metric).
        fields["target_kind"].required = False
        users = get_user_model().objects.filter(is_active=True).order_by("username")
        fields["owner"].queryset = users  # type: ignore[attr-defined]
        for name in ("goal", "means", "outcome", "owner", "numerator", "denominator"):
            fields[name].empty_label = CHOOSE_LABEL  # type: ignore[attr-defined]
        fields["age_bands"].choices = [  # type: ignore[attr-defined]
            (band, getattr(Activity._meta.get_field(band), "verbose_name", band))
            for band in AGE_BANDS
        ]
        parts = Metric.objects.exclude(kind=Metric.Kind.RATIO).order_by("name")
        if self.instance.pk:
            parts = parts.exclude(pk=self.instance.pk)
            fields["kind"].disabled = True
            fields["kind"].help_text = _("The kind of a saved metric cannot be changed.")
        fields["numerator"].queryset = parts  # type: ignore[attr-defined]
        fields["denominator"].queryset = parts  # type: ignore[attr-defined]
        for year in self.target_years():
            fields[f"target_{year}"] = _value_field(_("Target for %(year)s") % {"year": year})
        if self.instance.pk and self.instance.current_version_id:
            self._initial_from_version()

    @staticmethod
    def target_years() -> list[int]:
        strategy = Strategy.objects.filter(status=Strategy.Status.ACTIVE).first()
        if strategy is None:
            return [datetime.date.today().year]
        return list(range(strategy.start_year, strategy.end_year + 1))

    def _initial_from_version(self) -> None:
        version = self.instance.version
        self.initial["period"] = version.period
        for target in self.instance.targets.all():
            self.initial[f"target_{target.year}"] = target.value
        if self.instance.kind == Metric.Kind.RATIO:
            self.initial.update(RatioDefinition.from_json(version.definition).to_json())
        elif self.instance.kind == Metric.Kind.ACTIVITY:
            definition = ActivityDefinition.from_json(version.definition)
            self.initial["aggregation"] = definition.aggregation
            self.initial["age_bands"] = list(definition.age_bands)
            for name, key in FILTER_FIELDS.items():
                value = getattr(definition, key)
                self.initial[name] = value if isinstance(value, str) else list(value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind") or self.instance.kind
        goal = cleaned.get("goal")
        for name in ("means", "outcome"):
            part = cleaned.get(name)
            if part is not None and goal is not None and part.goal_id != goal.pk:
                self.add_error(name, _("Choose one that belongs to the chosen goal."))
        if cleaned.get("baseline_value") is not None and not cleaned.get("baseline_period"):
            self.add_error("baseline_period", _("Give the period the baseline describes."))
        if kind == Metric.Kind.ACTIVITY:
            self._clean_activity(cleaned)
        elif kind == Metric.Kind.RATIO:
            self._clean_ratio(cleaned)
        if cleaned.get("baseline_period") and cleaned.get("period"):
            cleaned["baseline_period"] = period_start(cleaned["baseline_period"], cleaned["period"])
        return cleaned

    def _clean_activity(self, cleaned: dict[str, Any]) -> None:
        aggregation = cleaned.get("aggregation")
        if not aggregation:
            self.add_error("aggregation", _("Choose what the metric counts."))
            return
        if cleaned.get("age_bands") and aggregation != Aggregation.PARTICIPANTS:
            self.add_error("age_bands", _("Age bands narrow only the participants."))
        if aggregation == Aggregation.SIGNALS:
            for name, key in FILTER_FIELDS.items():
                if key not in SIGNAL_FILTERS and cleaned.get(name):
                    self.add_error(name, _("Signals can be narrowed only by theme, unit and area."))
        if third := cleaned.get("need_third"):
            self._areas_by_need(cleaned, third)
        goals = set(cleaned.get("filter_goals") or [])
        stray = [m for m in cleaned.get("filter_means") or [] if goals and m.goal not in goals]
        if stray:
            self.add_error("filter_means", _("Choose means of the goals chosen above."))

    def _areas_by_need(self, cleaned: dict[str, Any], third: str) -> None:
        """The areas of a third by need, as if chosen one by one."""
        if cleaned.get("areas"):
            self.add_error("need_third", _("Choose areas or a third by need, not both."))
            return
        districts = meter.districts_in_third(third)
        if not districts:
            self.add_error(
                "need_third", _("No public statistics are loaded: there is no need index yet.")
            )
            return
        cleaned["areas"] = Area.objects.filter(pk__in=[area.pk for area in districts])

    def _clean_ratio(self, cleaned: dict[str, Any]) -> None:
        top, bottom = cleaned.get("numerator"), cleaned.get("denominator")
        per_residents = cleaned.get("per_residents")
        missing = {
            "numerator": _("Choose the metric to divide."),
            "denominator": _("Choose the metric to divide by, or divide per 1,000 residents."),
        }
        for name, part in (("numerator", top), ("denominator", bottom)):
            if (
                part is None
                and name not in self.errors
                and not (name == "denominator" and per_residents)
            ):
                self.add_error(name, missing[name])
        if per_residents:
            if bottom is not None:
                self.add_error(
                    "denominator",
                    _("Per 1,000 residents divides by the residents: leave the denominator out."),
                )
            if not AreaStatistics.objects.exists():
                self.add_error(
                    "per_residents", _("No public statistics are loaded: there are no residents.")
                )
            bottom = None
        if top is None or (bottom is None and not per_residents):
            return
        if top == bottom:
            self.add_error("denominator", _("A metric divided by itself is always one."))
        for name, part in (("numerator", top), ("denominator", bottom)):
            if part is None:
                continue
            version = part.current_version
            if version is not None and version.period != cleaned.get("period"):
                self.add_error(
                    name,
                    _("Its period is %(period)s: a ratio divides values of the same period.")
                    % {"period": Period(version.period).label},
                )

    def clean_target_kind(self) -> str:
        return self.cleaned_data.get("target_kind") or self.instance.target_kind

    def definition(self) -> dict[str, Any]:
        """The definition to store in the version, from the cleaned data."""
        cleaned = self.cleaned_data
        kind = cleaned.get("kind") or self.instance.kind
        if kind == Metric.Kind.RATIO:
            per_residents = bool(cleaned.get("per_residents"))
            return RatioDefinition(
                numerator=cleaned["numerator"].pk,
                denominator=0 if per_residents else cleaned["denominator"].pk,
                percent=cleaned.get("percent", False) and not per_residents,
                per_residents=per_residents,
            ).to_json()
        if kind == Metric.Kind.MANUAL:
            return {}
        data: dict[str, Any] = {
            "aggregation": cleaned["aggregation"],
            "age_bands": cleaned.get("age_bands") or [],
        }
        for name, key in FILTER_FIELDS.items():
            value = cleaned.get(name)
            if hasattr(value, "values_list"):
                value = list(value.values_list("pk", flat=True))  # type: ignore[union-attr]
            data[key] = value or ([] if key != "status" else "")
        return ActivityDefinition.from_json(data).to_json()

    def targets(self) -> dict[int, Decimal | None]:
        return {year: self.cleaned_data.get(f"target_{year}") for year in self.target_years()}


class MeasurementForm(forms.ModelForm):
    """A manual value for one period."""

    period_start = forms.TypedChoiceField(
        label=_("Period"), coerce=datetime.date.fromisoformat, empty_value=None
    )

    class Meta:
        model = Measurement
        fields = ["period_start", "value", "source", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}
        localized_fields = ["value"]

    def __init__(self, *args: Any, metric: Metric, periods: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.instance.metric = metric
        self.fields["period_start"].choices = [("", CHOOSE_LABEL), *periods]  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["period_start"] = self.instance.period_start.isoformat()

    def clean_period_start(self) -> datetime.date | None:
        start = self.cleaned_data.get("period_start")
        if start is None:
            return None
        taken = Measurement.objects.filter(metric=self.instance.metric, period_start=start)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("This period already has a value: change that one instead.")
            )
        return start


class MeterYearForm(forms.Form):
    """The year of activities the inequality meter shows, of those with reach values."""

    year = forms.TypedChoiceField(label=_("Year of activities"), coerce=int, required=False)

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["year"]
        field.choices = [(year, str(year)) for year in years]  # type: ignore[attr-defined]

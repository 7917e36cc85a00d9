from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from neighbourhoods import selectors
from neighbourhoods.models import (
    AGE_BANDS,
    MAX_PARTICIPANTS_PER_BAND,
    MAX_VOLUNTEER_HOURS,
    MAX_VOLUNTEERS,
    Activity,
    ActivityType,
    Partner,
    Project,
    Unit,
)

# Django's own "- Select an option -" has no Finnish or Swedish translation yet.
CHOOSE_LABEL = _("– choose –")
ANY_LABEL = _("– any –")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", **kwargs)


class CountInput(forms.NumberInput):
    def __init__(self) -> None:
        super().__init__(attrs={"min": 0, "inputmode": "numeric"})


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        if obj.parent and obj.level == obj.Level.SUB_DISTRICT:
            return f"{obj.name} ({obj.parent.name})"
        return str(obj.name)


def means_label(obj: Any) -> str:
    return f"{obj.goal.number}.{obj.position} {obj.text}"


class MeansChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return means_label(obj)


class OneMeansChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return means_label(obj)


class ActivityForm(forms.ModelForm):
    """Log or edit an activity. Counts are anonymous; free text is checked for personal data."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Activity
        fields = [
            "title",
            "status",
            "date",
            "end_date",
            "start_time",
            "end_time",
            "area",
            "type",
            "unit",
            "goals",
            "means",
            "themes",
            *AGE_BANDS,
            "new_participants",
            "volunteers",
            "volunteer_hours",
            "partners",
            "project",
            "description",
            "heard",
        ]
        widgets = {
            "date": DateInput(),
            "end_date": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "goals": forms.CheckboxSelectMultiple,
            "means": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "status": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "heard": forms.Textarea(attrs={"rows": 3}),
            **{band: CountInput() for band in AGE_BANDS},
            "new_participants": CountInput(),
            "volunteers": CountInput(),
        }
        field_classes = {"area": AreaChoiceField, "means": MeansChoiceField}

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields = self.fields
        fields["area"].queryset = selectors.areas_for_logging()  # type: ignore[attr-defined]
        fields["unit"].queryset = selectors.units_for(user=user)  # type: ignore[attr-defined]
        fields["goals"].queryset = selectors.active_strategy_goals()  # type: ignore[attr-defined]
        fields["means"].queryset = selectors.active_strategy_means()  # type: ignore[attr-defined]
        fields["themes"].queryset = selectors.active_strategy_themes()  # type: ignore[attr-defined]
        fields["partners"].queryset = Partner.objects.order_by("name")  # type: ignore[attr-defined]
        fields["project"].queryset = Project.objects.order_by("name")  # type: ignore[attr-defined]
        fields["type"].queryset = fields["type"].queryset.filter(is_active=True)  # type: ignore[attr-defined]
        for name in ("area", "type", "unit", "project"):
            fields[name].empty_label = CHOOSE_LABEL  # type: ignore[attr-defined]
        fields["goals"].help_text = _("At least one: which strategic goals did this serve?")
        fields["means"].help_text = _("Choose only means that belong to the goals chosen above.")
        fields["volunteer_hours"].widget.attrs.update({"min": 0, "step": "0.5"})
        limits = {band: MAX_PARTICIPANTS_PER_BAND for band in (*AGE_BANDS, "new_participants")}
        limits |= {"volunteers": MAX_VOLUNTEERS, "volunteer_hours": MAX_VOLUNTEER_HOURS}
        for name, limit in limits.items():
            fields[name].validators.append(MaxValueValidator(limit))
            fields[name].widget.attrs["max"] = limit
        if not fields["unit"].queryset.exists():  # type: ignore[attr-defined]
            fields["unit"].help_text = _(
                "You belong to no unit yet: ask an administrator to add you to one."
            )
        if self.instance.pk:
            fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date = cleaned.get("date")
        end_date = cleaned.get("end_date")
        if cleaned.get("status") == Activity.Status.DONE and date and date > timezone.localdate():
            self.add_error(
                "date",
                _("A done activity cannot be in the future. Mark it planned, or fix the date."),
            )
        if date and end_date and end_date < date:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        goals = cleaned.get("goals")
        means = cleaned.get("means")
        if goals is not None and means:
            stray = [m for m in means if m.goal not in set(goals)]
            if stray:
                self.add_error(
                    "means",
                    _("Every means must belong to one of the chosen goals: %(means)s")
                    % {"means": "; ".join(f"{m.goal.number}.{m.position}" for m in stray)},
                )
        if all(band in cleaned for band in AGE_BANDS) and "new_participants" in cleaned:
            total = sum(cleaned[band] or 0 for band in AGE_BANDS)
            if cleaned["new_participants"] > total:
                self.add_error(
                    "new_participants",
                    _(
                        "There cannot be more new participants (%(new)s) than participants "
                        "in all (%(total)s)."
                    )
                    % {"new": cleaned["new_participants"], "total": total},
                )
        return cleaned


class ActivityFilterForm(forms.Form):
    """Filters of the activity list; every field is optional and a bad value is an error."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    area = AreaChoiceField(
        label=_("Area"),
        queryset=selectors.areas_for_logging(),
        required=False,
        help_text=_("A basic district includes its sub-districts."),
    )
    type: forms.ModelChoiceField[ActivityType] = forms.ModelChoiceField(
        label=_("Type"), queryset=ActivityType.objects.all(), required=False
    )
    goal = forms.ModelChoiceField(
        label=_("Strategic goal"), queryset=selectors.active_strategy_goals(), required=False
    )
    means = OneMeansChoiceField(
        label=pgettext_lazy("singular", "Means"),
        queryset=selectors.active_strategy_means(),
        required=False,
    )
    theme = forms.ModelChoiceField(
        label=_("Inequality theme"), queryset=selectors.active_strategy_themes(), required=False
    )
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.all(), required=False
    )
    project = forms.ModelChoiceField(
        label=_("Project"), queryset=Project.objects.all(), required=False
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.all(), required=False
    )
    organiser = forms.ModelChoiceField(
        label=_("Organiser"),
        queryset=get_user_model().objects.filter(organised_activities__isnull=False).distinct(),
        required=False,
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = ANY_LABEL

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the range cannot be before its start."))
        return cleaned

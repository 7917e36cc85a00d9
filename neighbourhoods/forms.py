from __future__ import annotations

import calendar
import datetime
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.forms import BoundField
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kalliola.dates import validate_date_in_window
from kalliola.forms import BoundedModelMultipleChoiceField
from kalliola.ids import parse_id
from kalliola.people import person_name
from kalliola.privacy import validate_no_personal_data
from neighbourhoods import rules, selectors
from neighbourhoods.closing import ClosedPeriods
from neighbourhoods.models import (
    AGE_BANDS,
    MAX_PARTICIPANTS_PER_BAND,
    MAX_VOLUNTEER_HOURS,
    MAX_VOLUNTEERS,
    Activity,
    ActivityType,
    Partner,
    Project,
    Signal,
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
    """A count, empty until typed in: a "0" already there must be deleted on a phone before
    the real number can be typed, so the 0 is only a placeholder (see EmptyIsZero)."""

    def __init__(self, *, inputmode: str = "numeric", **attrs: Any) -> None:
        super().__init__(attrs={"min": 0, "inputmode": inputmode, "placeholder": "0", **attrs})


class EmptyIsZero:
    """Reads a count left empty as 0, the count its placeholder shows, so it is never required.
    The field's own rules (a whole number, not negative, not implausibly large) apply to what
    is typed."""

    zero: int | Decimal = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **{**kwargs, "required": False})

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)  # type: ignore[misc]
        return self.zero if value is None else value


class CountField(EmptyIsZero, forms.IntegerField):
    pass


class HoursField(EmptyIsZero, forms.DecimalField):
    zero = Decimal(0)


def add_problems(form: forms.BaseForm, problems: rules.Problems) -> None:
    """Show what rules.py found at the fields it names."""
    for name, messages in problems.items():
        for message in messages:
            form.add_error(name, message)


def area_label(obj: Any) -> str:
    """A sub-district with its basic district, e.g. "Harju (Kallio)"."""
    if obj.parent and obj.level == obj.Level.SUB_DISTRICT:
        return f"{obj.name} ({obj.parent.name})"
    return str(obj.name)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return area_label(obj)


class AreaMultipleChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return area_label(obj)


def limit_units(field: forms.Field, user: User | AnonymousUser) -> None:
    """Offer only the units the user logs for, and say what to do when there are none."""
    field.queryset = selectors.units_for(user=user)  # type: ignore[attr-defined]
    if not field.queryset.exists():  # type: ignore[attr-defined]
        field.help_text = _("You belong to no unit yet: ask an administrator to add you to one.")


def means_label(obj: Any) -> str:
    return f"{obj.goal.number}.{obj.position} {obj.text}"


class MeansChoiceField(BoundedModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return means_label(obj)


class OneMeansChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return means_label(obj)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class RadioChoicesMixin:
    """A required radio list offers only real choices, none of them ticked unless a default is.

    A model field with choices and no default gets a blank first choice from Django, labelled
    "- Select an option -". In a drop-down that is the prompt; in a radio list it is one more
    button, ticked because the empty value matches it, so the form fails when sent as it came.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form: Any = self
        for field in form.fields.values():
            widget = field.widget
            if not (
                field.required
                and isinstance(widget, forms.RadioSelect)
                and not widget.allow_multiple_selected
            ):
                continue
            if isinstance(field, forms.ModelChoiceField):
                field.empty_label = None
            elif isinstance(field, forms.ChoiceField):
                choices: Any = field.choices
                field.choices = [(value, label) for value, label in choices if value != ""]


class LiveValidationMixin:
    """Validate a field as soon as the user leaves it, by HTMX, with the whole form's data.

    ``live_fields`` maps each field validated on its own to the fields whose validity depends
    on it, e.g. the age bands to the new participants. The response replaces, out of band,
    only the error boxes of the field left and of its dependents, never an input: what the
    user types while the request is on its way (into another field, or back into the one just
    left) must not be overwritten by the value the request carried. static/js/kalliola.js
    keeps each input's aria-invalid and aria-describedby in step with its errors.
    """

    live_fields: ClassVar[dict[str, tuple[str, ...]]] = {}

    def enable_live_validation(self, url: str) -> None:
        form: Any = self
        for name in self.live_fields:
            # One validation at a time per form, answered in order; nothing swapped but the
            # error boxes the answer names.
            form.fields[name].widget.attrs.update(
                {
                    "hx-post": url,
                    "hx-trigger": "change",
                    "hx-sync": "closest form:queue all",
                    "hx-swap": "none",
                }
            )

    def live_response(self, name: str) -> list[BoundField]:
        """The fields whose errors the response updates: the one left and its dependents."""
        form: Any = self
        return [form[name], *(form[other] for other in self.live_fields[name])]


# The fields of the activity form, in the order of the form.
ACTIVITY_FIELDS = [
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

# The counts of the activity form: empty stands for 0.
COUNT_FIELDS = (*AGE_BANDS, "new_participants", "volunteers", "volunteer_hours")


class GoalNumberCheckboxes(forms.CheckboxSelectMultiple):
    """Checkboxes of goals or means that carry their goal's number (data-goal).

    The stylesheet shows a means only while its goal is ticked (or while the means itself is
    ticked), so the means narrow to the chosen goals as the user ticks them, with no request
    that could overwrite what she ticks meanwhile.
    """

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        # A means' own number is "2.3": its goal's is the one that matters here.
        goal = getattr(instance, "goal", instance)
        number = getattr(goal, "number", None)
        if number is not None:
            option["attrs"]["data-goal"] = number
        return option


class ActivityForm(RadioChoicesMixin, LiveValidationMixin, forms.ModelForm):
    """Log or edit an activity. Counts are anonymous; free text is checked for personal data."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Every field is validated as it is left, except the choice groups with nothing to check
    # on their own; a field's dependents are rechecked with it.
    live_fields = {
        **{
            name: ()
            for name in ACTIVITY_FIELDS
            if name not in {"goals", "means", "themes", "partners"}
        },
        "date": ("end_date",),
        "status": ("date",),
        **dict.fromkeys(AGE_BANDS, ("new_participants",)),
    }

    class Meta:
        model = Activity
        fields = ACTIVITY_FIELDS
        widgets = {
            "date": DateInput(),
            "end_date": DateInput(),
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "goals": GoalNumberCheckboxes,
            "means": GoalNumberCheckboxes,
            "themes": forms.CheckboxSelectMultiple,
            "status": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 3}),
            "heard": forms.Textarea(attrs={"rows": 3}),
            **{band: CountInput() for band in AGE_BANDS},
            "new_participants": CountInput(),
            "volunteers": CountInput(),
            "volunteer_hours": CountInput(inputmode="decimal", step="0.5"),
        }
        field_classes = {
            "area": AreaChoiceField,
            **dict.fromkeys(("goals", "themes", "partners"), BoundedModelMultipleChoiceField),
            "means": MeansChoiceField,
            **dict.fromkeys((*AGE_BANDS, "new_participants", "volunteers"), CountField),
            "volunteer_hours": HoursField,
        }

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields = self.fields
        fields["area"].queryset = selectors.areas_for_logging()  # type: ignore[attr-defined]
        limit_units(fields["unit"], user)
        fields["goals"].queryset = selectors.active_strategy_goals()  # type: ignore[attr-defined]
        fields["means"].queryset = selectors.active_strategy_means()  # type: ignore[attr-defined]
        fields["themes"].queryset = selectors.active_strategy_themes()  # type: ignore[attr-defined]
        fields["partners"].queryset = Partner.objects.order_by("name")  # type: ignore[attr-defined]
        fields["project"].queryset = Project.objects.order_by("name")  # type: ignore[attr-defined]
        fields["type"].queryset = fields["type"].queryset.filter(is_active=True)  # type: ignore[attr-defined]
        for name in ("area", "type", "unit", "project"):
            fields[name].empty_label = CHOOSE_LABEL  # type: ignore[attr-defined]
        fields["goals"].help_text = _("At least one: which strategic goals did this serve?")
        fields["means"].help_text = _("The means of the goals chosen above.")
        if not fields["partners"].queryset.exists():  # type: ignore[attr-defined]
            fields["partners"].help_text = _(
                "No partners yet: an administrator adds the partners Kalliola works with."
            )
        if not fields["project"].queryset.exists():  # type: ignore[attr-defined]
            fields["project"].help_text = _(
                "No projects yet: an administrator adds the funded projects."
            )
        for name in COUNT_FIELDS:
            # A zero is shown as an empty field, whether it is the default of a new activity
            # or saved with an activity; a count the user typed is shown as typed.
            if not self.is_bound and not self.initial.get(name):
                self.initial[name] = None
        # The limits themselves are the model fields' validators (see rules.py).
        limits = {band: MAX_PARTICIPANTS_PER_BAND for band in (*AGE_BANDS, "new_participants")}
        limits |= {"volunteers": MAX_VOLUNTEERS, "volunteer_hours": MAX_VOLUNTEER_HOURS}
        for name, limit in limits.items():
            fields[name].widget.attrs["max"] = limit
        if self.instance.pk:
            fields["version"].initial = self.instance.version

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = rules.activity_problems(
            cleaned,
            closed=ClosedPeriods.load(),
            stored_date=self.instance.date if self.instance.pk else None,
        )
        add_problems(self, problems)
        return cleaned


class FilterForm(forms.Form):
    """Filters of a list: a date range and optional choices; a bad value is an error."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    area = AreaChoiceField(
        label=_("Area"),
        queryset=selectors.areas_for_logging(),
        required=False,
        help_text=_("A basic district includes its sub-districts."),
    )

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


class ActivityFilterForm(FilterForm):
    """Filters of the activity list."""

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
    organiser = PersonChoiceField(
        label=_("Organiser"), queryset=get_user_model().objects.none(), required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    # The activities of one import (linked from its page).
    batch = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Colleagues by name, and only those organising what the user may see.
        self.fields["organiser"].queryset = selectors.organisers_seen_by(user=user)  # type: ignore[attr-defined]


class SignalForm(RadioChoicesMixin, LiveValidationMixin, forms.ModelForm):
    """Log or edit a signal: something heard in the field that tells of inequality."""

    live_fields = dict.fromkeys(("text", "date", "area", "unit"), ())

    class Meta:
        model = Signal
        fields = ["date", "area", "text", "themes", "raised_by", "urgency", "unit", "activity"]
        widgets = {
            "date": DateInput(),
            "text": forms.Textarea(attrs={"rows": 4}),
            "themes": forms.CheckboxSelectMultiple,
            "raised_by": forms.RadioSelect,
            "urgency": forms.RadioSelect,
            "activity": forms.HiddenInput,
        }
        field_classes = {"area": AreaChoiceField, "themes": BoundedModelMultipleChoiceField}

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["area"].queryset = selectors.areas_for_logging()  # type: ignore[attr-defined]
        limit_units(fields["unit"], user)
        fields["themes"].queryset = selectors.active_strategy_themes()  # type: ignore[attr-defined]
        # A signal can be linked only to an activity its author may see.
        fields["activity"].queryset = selectors.activity_list(user=user)  # type: ignore[attr-defined]
        fields["activity"].error_messages["invalid_choice"] = _(
            "The activity to link was not found, or it is not yours to see."
        )
        for name in ("area", "unit"):
            fields[name].empty_label = CHOOSE_LABEL  # type: ignore[attr-defined]
        fields["text"].help_text = _(
            "What you heard, in your own words. No names or anything else that could "
            "identify a person."
        )

    @property
    def linked_activity_id(self) -> int | None:
        """The id of the activity the signal is linked to, for a link back to it; None when
        the submitted value is not an id at all (the field's own check says why)."""
        value = self["activity"].value()
        return value.pk if isinstance(value, Activity) else parse_id(value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems = rules.signal_problems(
            cleaned,
            closed=ClosedPeriods.load(),
            stored_date=self.instance.date if self.instance.pk else None,
        )
        add_problems(self, problems)
        return cleaned


class SignalFilterForm(FilterForm):
    """Filters of the signal list."""

    theme = forms.ModelChoiceField(
        label=_("Inequality theme"), queryset=selectors.active_strategy_themes(), required=False
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=[("", ANY_LABEL), *Signal.Urgency.choices], required=False
    )
    raised_by = forms.ChoiceField(
        label=_("Raised by"), choices=[("", ANY_LABEL), *Signal.RaisedBy.choices], required=False
    )
    unit: forms.ModelChoiceField[Unit] = forms.ModelChoiceField(
        label=_("Unit"), queryset=Unit.objects.all(), required=False
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=200)


class SinceForm(forms.Form):
    """A day from which on to count, e.g. the day of a means' last progress note."""

    since = forms.DateField(required=False, validators=[validate_date_in_window])


class ImportForm(forms.Form):
    """A spreadsheet of activities to check (and then import)."""

    file = forms.FileField(
        label=_("File"),
        help_text=_("The import template filled in, as .xlsx, or saved as CSV (.csv)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self) -> Any:
        file = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_FILE_MB
        if file.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB. Split it into smaller files.")
                % {"limit": limit}
            )
        name = file.name.lower()
        if name.endswith((".xlsm", ".xltm", ".xlam")):
            raise forms.ValidationError(
                _("Workbooks with macros (.xlsm) are not accepted. Save the file as .xlsx.")
            )
        if not name.endswith((".xlsx", ".csv", ".txt")):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv)."))
        return file


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    """A month, as 2025-03 (what a month input sends), 3/2025 or 3.2025: its first day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%m/%Y", "%m.%Y", "%Y-%m-%d"]

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        return day.replace(day=1) if day else day


class ClosePeriodForm(forms.Form):
    """The months to close for reporting (a whole year: January to December), and why."""

    first_month = MonthField(label=_("First month"), validators=[validate_date_in_window])
    last_month = MonthField(
        label=_("Last month"),
        help_text=_("For a whole year, January to December."),
        validators=[validate_date_in_window],
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_no_personal_data],
        help_text=_("E.g. the annual report to STEA was sent on 15 March."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("first_month"), cleaned.get("last_month")
        if first and last and last < first:
            self.add_error("last_month", _("The last month cannot be before the first."))
        return cleaned

    @property
    def last_day(self) -> datetime.date:
        last = self.cleaned_data["last_month"]
        return last.replace(day=calendar.monthrange(last.year, last.month)[1])


class ReopenPeriodForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for reopening"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        validators=[validate_no_personal_data],
        help_text=_("E.g. an error found in the reported figures must be corrected."),
    )

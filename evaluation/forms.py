"""Forms of outcome assessments and of the strategy's closing summaries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation import selectors
from evaluation.models import (
    LEVEL_DEFINITIONS,
    GoalEvaluation,
    Level,
    OutcomeAssessment,
    StrategyEvaluation,
)
from goals.models import Goal, Outcome
from kalliola.forms import BoundedModelMultipleChoiceField
from kalliola.ids import parse_id
from kalliola.privacy import validate_no_personal_data


class LevelSelect(forms.RadioSelect):
    """The four levels as radio buttons, each with its one-line definition."""

    option_template_name = "evaluation/level_option.html"

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        value = option["value"]
        if value not in ("", None):
            option["definition"] = LEVEL_DEFINITIONS[Level(int(value))]
        return option


class AssessmentForm(forms.ModelForm):
    """An assessment of one outcome; the metrics and activities it may link are the goal's."""

    # The four levels only: no empty choice among the radios.
    level = forms.TypedChoiceField(
        label=_("Level"), choices=Level.choices, coerce=int, widget=LevelSelect
    )

    class Meta:
        model = OutcomeAssessment
        fields = ["assessed_on", "level", "evidence", "is_final", "metrics", "activities"]
        field_classes = {
            "metrics": BoundedModelMultipleChoiceField,
            "activities": BoundedModelMultipleChoiceField,
        }
        widgets = {
            "assessed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "evidence": forms.Textarea(attrs={"rows": 4}),
            "metrics": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, outcome: Outcome, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("assessed_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        goal = outcome.goal
        self.fields["metrics"].queryset = selectors.metric_choices(goal)  # type: ignore[attr-defined]
        # Any of the goal's done activities is valid; the page lists only some (see
        # selectors.activities_offered) and renders the checkboxes itself.
        self.fields["activities"].queryset = selectors.activity_choices(goal)  # type: ignore[attr-defined]
        self.fields["activities"].widget = forms.MultipleHiddenInput()

    def chosen_activities(self) -> list[int]:
        """The ids of the activities ticked (on a re-shown form) or linked (when editing)."""
        if self.is_bound:
            raw = self.data.getlist(self.add_prefix("activities"))  # type: ignore[attr-defined]
            return [pk for value in raw if (pk := parse_id(value)) is not None]
        if self.instance.pk:
            return list(self.instance.activities.values_list("pk", flat=True))
        return []


class EvaluationForm(forms.ModelForm):
    """The closing summary of the strategy and one per goal."""

    class Meta:
        model = StrategyEvaluation
        fields = ["summary"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args: Any, goals: list[Goal], summaries: dict[int, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.goals = goals
        max_length = GoalEvaluation._meta.get_field("summary").max_length
        for goal in goals:
            self.fields[self.field_name(goal)] = forms.CharField(
                label=_("Summary of goal %(number)s") % {"number": goal.number},
                required=False,
                max_length=max_length,
                validators=[validate_no_personal_data],
                widget=forms.Textarea(attrs={"rows": 4}),
                initial=summaries.get(goal.pk, ""),
            )

    @staticmethod
    def field_name(goal: Goal) -> str:
        return f"goal_{goal.number}"

    def goal_fields(self) -> list[tuple[Goal, forms.BoundField]]:
        return [(goal, self[self.field_name(goal)]) for goal in self.goals]

    def goal_summaries(self) -> dict[Goal, str]:
        return {goal: self.cleaned_data[self.field_name(goal)] for goal in self.goals}

"""Forms of means tracking: a progress note, and a means' owner and status."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from goals import selectors
from goals.models import Means, MeansNote
from kalliola.people import person_name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return person_name(obj)


class MeansNoteForm(forms.ModelForm):
    # The four statuses only: no empty choice among the radios.
    status = forms.ChoiceField(
        label=_("Status now"), choices=Means.Status.choices, widget=forms.RadioSelect
    )

    class Meta:
        model = MeansNote
        fields = ["text", "status"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, means: Means, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("status", means.status)
        super().__init__(*args, **kwargs)


class MeansForm(forms.ModelForm):
    """The owner and status of a means, set by leadership and admins."""

    class Meta:
        model = Means
        fields = ["owner", "status"]
        field_classes = {"owner": PersonChoiceField}
        widgets = {"status": forms.RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = selectors.possible_owners()  # type: ignore[attr-defined]
        owner.empty_label = _("No owner")  # type: ignore[attr-defined]

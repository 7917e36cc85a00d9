from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.renderers import TemplatesSetting

from kalliola.ids import parse_id


class FormRenderer(TemplatesSetting):
    """Renders every form field through one template: label, widget, help and errors.

    Django links the help text and the errors to the input with aria-describedby.
    """

    field_template_name = "includes/form_field.html"


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several rows chosen by id, refusing a value that is no id before asking the database.

    Django checks each value only by converting it to a number, and then looks them all up
    with `pk__in`, which, unlike `pk=`, does not guard against a number too big for the
    column: SQLite raised OverflowError, and a post of goals=99999999999999999999 was a 500.
    """

    def clean(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            for pk in value:
                if isinstance(pk, str) and parse_id(pk) is None:
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return super().clean(value)


class UsernameLengthMixin:
    """Refuses a username longer than any user's before trying to log in with it.

    Django's login form only tells the browser the longest username; a longer one was tried
    all the same, and django-axes then failed to record the failed attempt in its 255
    characters on PostgreSQL: a 500 instead of "wrong username or password".
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username: Any = self.fields["username"]  # type: ignore[attr-defined]
        username.validators.append(MaxLengthValidator(username.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    pass


class AdminLoginForm(UsernameLengthMixin, AdminAuthenticationForm):
    pass

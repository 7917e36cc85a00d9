from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KalliolaConfig(AppConfig):
    """The project package as an app, for project-wide commands and tasks."""

    name = "kalliola"
    verbose_name = _("Kalliola")

    def ready(self) -> None:
        from django.db.models import fields

        # Django's "- Select an option -" has no Finnish or Swedish translation yet, so every
        # drop-down the forms do not label themselves (the admin's among them) said it in
        # English. Django reads the label from here when it builds a blank choice.
        fields.BLANK_CHOICE_LABEL = _("– choose –")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KalliolaConfig(AppConfig):
    """The project package as an app, for project-wide commands and tasks."""

    name = "kalliola"
    verbose_name = _("Kalliola")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GoalsConfig(AppConfig):
    name = "goals"
    verbose_name = _("Strategy and goals")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from goals import models

        for model in (
            models.Strategy,
            models.Value,
            models.PhenomenonField,
            models.PhenomenonSource,
            models.InequalityTheme,
            models.Goal,
            models.Means,
            models.Outcome,
            models.MeansNote,
        ):
            auditlog.register(model)

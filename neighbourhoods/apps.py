from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NeighbourhoodsConfig(AppConfig):
    name = "neighbourhoods"
    verbose_name = _("Neighbourhoods and activities")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from neighbourhoods import models

        for model in (
            models.Area,
            models.Unit,
            models.Partner,
            models.Project,
            models.ActivityType,
            models.ClosedPeriod,
        ):
            auditlog.register(model)
        auditlog.register(
            models.Activity, m2m_fields={"partners", "themes", "goals", "means", "organisers"}
        )
        auditlog.register(models.Signal, m2m_fields={"themes"})
        # An import's history: who uploaded, imported and undid it; not the file or its findings.
        auditlog.register(
            models.ImportBatch,
            include_fields=["file_name", "status", "imported", "undone_at", "undone_by"],
        )

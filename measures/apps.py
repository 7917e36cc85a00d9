from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "measures"
    verbose_name = _("Metrics and progress")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from measures import models, receivers

        receivers.connect()
        post_migrate.connect(receivers.goals_migrated, sender=self)
        auditlog.register(models.Metric)
        auditlog.register(models.MetricTarget)
        auditlog.register(models.Measurement)

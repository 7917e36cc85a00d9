from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("Outcomes and evaluation")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from evaluation import models

        auditlog.register(models.OutcomeAssessment, m2m_fields={"metrics", "activities"})
        auditlog.register(models.StrategyEvaluation)
        auditlog.register(models.GoalEvaluation)

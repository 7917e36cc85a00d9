from django.contrib import admin

from evaluation.models import GoalEvaluation, OutcomeAssessment, StrategyEvaluation


@admin.register(OutcomeAssessment)
class OutcomeAssessmentAdmin(admin.ModelAdmin):
    list_display = ["outcome", "assessed_on", "level", "is_final", "author"]
    list_filter = ["level", "is_final", "outcome__goal__strategy", "outcome__goal"]
    search_fields = ["evidence"]
    list_select_related = ["outcome__goal", "author"]
    raw_id_fields = ["outcome", "author", "activities"]
    filter_horizontal = ["metrics"]
    date_hierarchy = "assessed_on"


@admin.register(StrategyEvaluation)
class StrategyEvaluationAdmin(admin.ModelAdmin):
    list_display = ["strategy", "done_at", "done_by"]
    raw_id_fields = ["done_by"]


@admin.register(GoalEvaluation)
class GoalEvaluationAdmin(admin.ModelAdmin):
    list_display = ["goal"]
    list_select_related = ["goal"]

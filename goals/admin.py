from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from goals.models import (
    Goal,
    InequalityTheme,
    Means,
    MeansNote,
    Outcome,
    PhenomenonField,
    PhenomenonSource,
    Strategy,
    Value,
)


class ValueInline(TranslationStackedInline):
    model = Value
    extra = 0


class PhenomenonFieldInline(TranslationStackedInline):
    model = PhenomenonField
    extra = 0


class PhenomenonSourceInline(admin.TabularInline):
    model = PhenomenonSource
    extra = 0


class InequalityThemeInline(TranslationStackedInline):
    model = InequalityTheme
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(TranslationAdmin):
    list_display = ["name", "start_year", "end_year", "status"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    inlines = [ValueInline, PhenomenonFieldInline, PhenomenonSourceInline, InequalityThemeInline]


class MeansInline(TranslationStackedInline):
    model = Means
    extra = 0


class OutcomeInline(TranslationStackedInline):
    model = Outcome
    extra = 0


@admin.register(Goal)
class GoalAdmin(TranslationAdmin):
    list_display = ["number", "title", "focus_area", "strategy"]
    list_display_links = ["number", "title"]
    list_filter = ["strategy"]
    search_fields = ["title", "description"]
    list_select_related = ["strategy"]
    inlines = [MeansInline, OutcomeInline]


@admin.register(Means, Outcome)
class GoalPartAdmin(TranslationAdmin):
    list_display = ["text", "goal", "position"]
    list_filter = ["goal__strategy", "goal"]
    search_fields = ["text"]
    list_select_related = ["goal"]


@admin.register(Value, PhenomenonField, InequalityTheme)
class StrategyPartAdmin(TranslationAdmin):
    list_display = ["__str__", "strategy", "position"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]


@admin.register(PhenomenonSource)
class PhenomenonSourceAdmin(admin.ModelAdmin):
    list_display = ["citation", "strategy", "position"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]


@admin.register(MeansNote)
class MeansNoteAdmin(admin.ModelAdmin):
    list_display = ["means", "written_at", "author", "status"]
    list_filter = ["status", "means__goal__strategy", "means__goal"]
    search_fields = ["text"]
    list_select_related = ["means__goal", "author"]
    raw_id_fields = ["means", "author"]
    date_hierarchy = "written_at"

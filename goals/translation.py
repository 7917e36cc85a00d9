"""Which content fields carry Swedish and English versions next to the Finnish one."""

from modeltranslation.translator import TranslationOptions, register

from goals.models import (
    Goal,
    InequalityTheme,
    Means,
    Outcome,
    PhenomenonField,
    Strategy,
    Value,
)


@register(Strategy)
class StrategyTranslation(TranslationOptions):
    fields = (
        "name",
        "subtitle",
        "story_title",
        "story",
        "mission_title",
        "mission",
        "vision_title",
        "vision",
        "closing_line",
    )


@register(Value)
class ValueTranslation(TranslationOptions):
    fields = ("name", "description")


@register(PhenomenonField)
class PhenomenonFieldTranslation(TranslationOptions):
    fields = ("name",)


@register(InequalityTheme)
class InequalityThemeTranslation(TranslationOptions):
    fields = ("name",)


@register(Goal)
class GoalTranslation(TranslationOptions):
    fields = ("title", "focus_area", "description", "metrics_note")


@register(Means)
class MeansTranslation(TranslationOptions):
    fields = ("text",)


@register(Outcome)
class OutcomeTranslation(TranslationOptions):
    fields = ("text",)

"""Which neighbourhood fields carry Swedish and English versions next to the Finnish one."""

from modeltranslation.translator import TranslationOptions, register

from neighbourhoods.models import ActivityType, Area, Unit


@register(Area)
class AreaTranslation(TranslationOptions):
    fields = ("name",)


@register(Unit)
class UnitTranslation(TranslationOptions):
    fields = ("name",)


@register(ActivityType)
class ActivityTypeTranslation(TranslationOptions):
    fields = ("name",)

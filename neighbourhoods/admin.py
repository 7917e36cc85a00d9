from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from kalliola.people import person_name
from neighbourhoods.closing import ClosedPeriods, refusal
from neighbourhoods.models import (
    Activity,
    ActivityType,
    Area,
    AreaStatistics,
    ClosedPeriod,
    ImportBatch,
    NeedComponent,
    Partner,
    Project,
    Signal,
    Unit,
)


@admin.register(Area)
class AreaAdmin(TranslationAdmin):
    list_display = ["name", "code", "level", "parent", "kalliola_works_here", "is_official"]
    list_filter = ["level", "kalliola_works_here", "is_official"]
    list_editable = ["kalliola_works_here"]
    search_fields = ["name", "code", "short_code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    exclude = ["boundary"]


@admin.register(Unit)
class UnitAdmin(TranslationAdmin):
    list_display = ["name", "kind", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    filter_horizontal = ["members"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "sector"]
    list_filter = ["sector"]
    search_fields = ["name"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["name", "funder_kind", "funder", "starts_on", "ends_on"]
    list_filter = ["funder_kind"]
    search_fields = ["name", "funder"]
    filter_horizontal = ["goals"]


@admin.register(ActivityType)
class ActivityTypeAdmin(TranslationAdmin):
    list_display = ["name", "position", "is_active"]
    list_editable = ["position", "is_active"]


class ClosedPeriodGuardAdmin(admin.ModelAdmin):
    """Rows dated in a closed reporting period are not deleted from the admin either: the
    delete page lists them as protected, with who closed the period, and deletes nothing."""

    def closed_period_of(self, obj: Any, closed: ClosedPeriods) -> ClosedPeriod | None:
        return closed.covering(obj.date)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        closed = ClosedPeriods.load()
        refusals = {
            refusal(period) for obj in objs if (period := self.closed_period_of(obj, closed))
        }
        return deleted, counts, perms_needed, [*protected, *sorted(refusals)]


class LoggedInTheAppAdmin(ClosedPeriodGuardAdmin):
    """Activities and signals are logged and edited in the app, where every rule is checked;
    the admin shows them and can delete them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(LoggedInTheAppAdmin):
    list_display = ["title", "date", "status", "area", "type", "unit", "participants_total"]
    list_filter = ["status", "type", "unit", "is_demo"]
    search_fields = ["title", "description"]
    date_hierarchy = "date"
    list_select_related = ["area", "type", "unit"]
    readonly_fields = ["participants_total", "version", "created_by"]


@admin.register(Signal)
class SignalAdmin(LoggedInTheAppAdmin):
    list_display = ["date", "area", "urgency", "raised_by", "unit"]
    list_filter = ["urgency", "raised_by", "unit", "is_demo"]
    search_fields = ["text"]
    date_hierarchy = "date"
    list_select_related = ["area", "unit"]
    readonly_fields = ["created_by"]


@admin.register(AreaStatistics)
class AreaStatisticsAdmin(admin.ModelAdmin):
    """Loaded by `manage.py import_area_statistics`; shown for reference, not edited here."""

    list_display = ["area", "year", "residents", "source"]
    list_filter = ["year", "area__level"]
    search_fields = ["area__name", "area__code"]
    list_select_related = ["area"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(NeedComponent)
class NeedComponentAdmin(admin.ModelAdmin):
    """Turn the need index's components on and off; the components themselves are code."""

    list_display = ["__str__", "enabled"]
    list_editable = ["enabled"]
    fields = ["enabled"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows made and changed in the app only, where each act has its rules; shown here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ClosedPeriod)
class ClosedPeriodAdmin(ReadOnlyAdmin):
    """Closed and reopened in the app (Reporting periods), where each act needs a reason;
    shown here for reference."""

    list_display = ["label", "first_day", "last_day", "closed_by", "created_at", "reopened_at"]
    list_select_related = ["closed_by", "reopened_by"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    """Imports are made and undone in the app; shown here for reference."""

    list_display = ["file_name", "importer", "created_at", "status", "rows", "imported"]
    list_filter = ["status"]
    list_select_related = ["created_by"]

    @admin.display(description=_("imported by"))
    def importer(self, obj: ImportBatch) -> str:
        return person_name(obj.created_by)

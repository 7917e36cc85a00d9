"""The Django admin for metrics. Definitions are edited in the app's own pages (/metrics/),
which keep their versions; here a metric's description, targets and manual values can be
corrected, and versions read."""

from django.contrib import admin

from measures.models import Measurement, Metric, MetricTarget, MetricVersion
from neighbourhoods.admin import ClosedPeriodGuardAdmin
from neighbourhoods.closing import ClosedPeriods
from neighbourhoods.models import ClosedPeriod


class MetricTargetInline(admin.TabularInline):
    model = MetricTarget
    extra = 0


@admin.register(Metric)
class MetricAdmin(admin.ModelAdmin):
    list_display = ["name", "goal", "kind", "current_version", "computed_at"]
    list_filter = ["kind", "goal"]
    search_fields = ["name"]
    list_select_related = ["goal", "current_version"]
    readonly_fields = ["kind", "current_version", "computed_at"]
    autocomplete_fields = ["owner"]
    inlines = [MetricTargetInline]

    def has_change_permission(self, request, obj=None):
        # A built-in metric is the app's: neither changed nor deleted by hand.
        return (obj is None or not obj.built_in) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or not obj.built_in) and super().has_delete_permission(request, obj)


@admin.register(MetricVersion)
class MetricVersionAdmin(admin.ModelAdmin):
    """Versions are never changed once saved: read only."""

    list_display = ["metric", "number", "period", "created_at", "created_by"]
    list_select_related = ["metric", "created_by"]
    readonly_fields = ["metric", "number", "period", "definition", "created_at", "created_by"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Measurement)
class MeasurementAdmin(ClosedPeriodGuardAdmin):
    list_display = ["metric", "period_start", "value", "source", "entered_by"]
    list_filter = ["metric"]
    list_select_related = ["metric", "entered_by"]
    autocomplete_fields = ["metric"]
    readonly_fields = ["entered_by"]

    def closed_period_of(self, obj: Measurement, closed: ClosedPeriods) -> ClosedPeriod | None:
        return obj.closed_period(closed)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)

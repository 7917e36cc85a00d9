"""Metric pages: everyone reads them; admins define metrics; leadership and admins enter
manual values. Pages read stored values only; the live preview computes without storing."""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from goals import selectors as goals_selectors
from goals.models import Strategy
from kalliola.ids import parse_id
from measures import areas, exports, meter, selectors, services
from measures.computation import (
    Span,
    compute_definitions,
    compute_manual,
    compute_ratio,
    history_span,
)
from measures.definitions import ActivityDefinition
from measures.filters import DashboardFilter, DashboardFilterForm
from measures.forms import PREVIEW_FIELDS, MeasurementForm, MeterYearForm, MetricForm
from measures.models import Measurement, Metric, MetricVersion
from measures.periods import period_end, period_label
from measures.status import Window
from neighbourhoods import need


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _filter(
    request: HttpRequest, default: Strategy | None = None, years: tuple[int, int] | None = None
) -> tuple[DashboardFilter, DashboardFilterForm, DashboardFilterForm]:
    """The filter a dashboard was asked for, the form showing it, and the form as asked (with
    the errors of what could not be read)."""
    return DashboardFilterForm.pair(request.GET, timezone.localdate(), default, years)


def _render_dashboard(
    request: HttpRequest, template: str, context: dict[str, Any], partial: str = "body"
) -> HttpResponse:
    """The whole page, or for a filter applied by HTMX only what the filter changes."""
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.boosted and not htmx.history_restore_request:
        template = f"{template}#{partial}"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The progress overview: per goal of a strategy, how its metrics stand."""
    selected, form, asked = _filter(request)
    goals = selectors.goals_of(selected.strategy)
    progress = selectors.progress_by_goal(goals, timezone.localdate(), selected)
    context = {
        "selected": selected,
        "form": form,
        "asked": asked,
        "progress": progress,
        "computed_at": selectors.last_computed(progress),
    }
    return _render_dashboard(request, "measures/dashboard.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def goal_progress(request: HttpRequest, number: int) -> HttpResponse:
    """One goal's section of the overview, polled while its numbers are recomputed."""
    selected, _form, _asked = _filter(request)
    goal = next((g for g in selectors.goals_of(selected.strategy) if g.number == number), None)
    if goal is None:
        raise Http404(_("No such strategic goal."))
    (item,) = selectors.progress_by_goal([goal], timezone.localdate(), selected)
    context = {"item": item, "selected": selected}
    return render(request, "measures/goal_progress.html", context)


def _goal_context(request: HttpRequest, number: int) -> dict[str, Any]:
    selected, form, asked = _filter(request)
    goals = selectors.goals_of(selected.strategy)
    goal = next((goal for goal in goals if goal.number == number), None)
    if goal is None:
        raise Http404(_("No such strategic goal."))
    every = list(selectors.metrics().filter(goal=goal))
    metric_list = [metric for metric in every if not metric.built_in]
    panels = selectors.panels(metric_list, selected, timezone.localdate())
    return {
        "selected": selected,
        "form": form,
        "asked": asked,
        "goal": goal,
        "goals": goals,
        "panels": panels,
        "reach": selectors.reach_by_goal(every, selected).get(goal.pk),
        "computed_at": max(
            filter(None, (p.summary.metric.computed_at for p in panels)), default=None
        ),
    }


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def goal_dashboard(request: HttpRequest, number: int) -> HttpResponse:
    """One goal: each metric as a full chart with its numbers and its areas over time, and the
    latest activities linked to the goal."""
    context = _goal_context(request, number)
    context["activities"] = selectors.recent_activities(
        user=request.user, goal=context["goal"], selected=context["selected"]
    )
    context["means"] = goals_selectors.means_of_goal(goal=context["goal"])
    context["silent_days"] = settings.MEANS_SILENT_AFTER_DAYS
    return _render_dashboard(request, "measures/goal_dashboard.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def goal_panel(request: HttpRequest, number: int, metric_id: int) -> HttpResponse:
    """One metric's section of the goal dashboard, polled while its numbers are recomputed."""
    selected, _form, _errors = _filter(request)
    goal = selectors.goal_of(selected.strategy, number)
    metric = selectors.metrics().filter(goal=goal, pk=metric_id).first()
    if metric is None or metric.current_version is None:
        raise Http404(_("No such metric."))
    (panel,) = selectors.panels([metric], selected, timezone.localdate())
    context = {"panel": panel, "goal": goal, "selected": selected}
    return render(request, "measures/goal_panel.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def goal_statuses(request: HttpRequest) -> HttpResponse:
    """How each goal's metrics stand, counted: one fragment that fills every goal card of the
    strategy house (out of band, by the cards' ids)."""
    goals = selectors.active_goals()
    progress = selectors.progress_by_goal(goals, timezone.localdate())
    return render(request, "measures/goal_statuses.html", {"progress": progress})


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def metric_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    summaries = selectors.summaries(list(selectors.metrics()), today)
    return render(request, "measures/metric_list.html", {"summaries": summaries})


def _metrics_fragment(request: HttpRequest, agreed: Any, empty: str = "") -> HttpResponse:
    """Some agreed metrics as cards with their status: a fragment another page loads."""
    summaries = selectors.summaries(list(agreed), timezone.localdate())
    context = {"summaries": summaries, "empty": empty}
    return render(request, "measures/goal_metrics.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def goal_metrics(request: HttpRequest, goal_id: int) -> HttpResponse:
    """The metrics of one goal: a fragment the goal page loads."""
    return _metrics_fragment(request, selectors.metrics().filter(goal=goal_id, built_in=""))


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def means_metrics(request: HttpRequest, means_id: int) -> HttpResponse:
    """The metrics that point at one means: a fragment the means page loads."""
    agreed = selectors.metrics().filter(means=means_id, built_in="")
    return _metrics_fragment(request, agreed, _("No metric points at this means yet."))


def _detail_context(request: HttpRequest, metric: Metric) -> dict[str, Any]:
    """The metric page: the current version's values as the filter asks (periods and area),
    or an earlier version's values, all of them, for all areas."""
    today = timezone.localdate()
    version = selectors.version_of(metric, request.GET.get("version"))
    # By default a metric's page shows its whole history, and its strategy's years.
    strategy = metric.goal.strategy
    first = selectors.first_period(metric) or selectors.history_start()
    years = (min(first.year, strategy.start_year), max(strategy.end_year, today.year))
    selected, form, asked = _filter(request, strategy, years)
    context: dict[str, Any] = {
        "metric": metric,
        "version": version,
        "versions": metric.versions.select_related("created_by"),
        "targets": sorted(selectors.targets_of(metric).items()),
        "definition": selectors.describe(metric, version),
        "selected": selected,
        "form": form,
        "asked": asked,
    }
    if version.pk == metric.current_version_id:
        (panel,) = selectors.panels([metric], selected, today)
        context |= {"panel": panel, "summary": panel.summary, "rows": panel.rows}
    else:
        window = selectors.window_of(metric, selectors.first_logged_day())
        (summary,) = selectors.summaries([metric], today)
        context |= {"rows": selectors.rows(version, today, window=window), "summary": summary}
    context["recomputing"] = context["summary"].recomputing
    if metric.kind == Metric.Kind.MANUAL:
        period = metric.version.period
        context["measurements"] = [
            (m, period_label(m.period_start, period)) for m in selectors.measurements(metric)
        ]
        context["missing"] = selectors.missing_periods(metric, today)
    return context


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def metric_detail(request: HttpRequest, metric_id: int) -> HttpResponse:
    metric = selectors.metric_for_page(metric_id)
    if metric.current_version is None:
        return redirect("measures:metric_update", metric_id=metric.pk)
    context = _detail_context(request, metric)
    return _render_dashboard(request, "measures/metric_detail.html", context, "values")


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def metric_values_xlsx(request: HttpRequest, metric_id: int) -> HttpResponse | FileResponse:
    """The values of a version of the metric (the current one unless asked), every period and
    area, as an Excel workbook."""
    metric = selectors.metric_for_page(metric_id)
    if metric.current_version is None:
        raise Http404(_("No such metric."))
    version = selectors.version_of(metric, request.GET.get("version"))
    window = selectors.window_of(metric, selectors.first_logged_day())
    today = timezone.localdate()
    file = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    exports.values_write(metric, version, window, today, file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=exports.filename(metric, version, today),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def metric_state(request: HttpRequest, metric_id: int) -> HttpResponse:
    """ "Computed … ago" or "recomputing…", polled by the metric page while it recomputes.

    Once the recompute is done, the answer also brings the new values (out of band).
    """
    metric = selectors.metric_for_page(metric_id)
    if metric.current_version is None or selectors.is_recomputing(metric):
        context = {"metric": metric, "recomputing": True}
        return render(request, "measures/metric_detail.html#state", context)
    context = _detail_context(request, metric) | {"oob": True}
    return render(request, "measures/metric_state.html", context)


def _save_metric(request: HttpRequest, metric: Metric | None) -> HttpResponse:
    form = MetricForm(request.POST or None, instance=metric)
    if request.method == "POST" and form.is_valid():
        saved, changed = services.metric_save(
            user=request.user,  # type: ignore[arg-type]
            metric=metric,
            data=form.cleaned_data,
            period=form.cleaned_data["period"],
            definition=form.definition(),
            targets=form.targets(),
        )
        if changed:
            messages.success(
                request,
                _("Saved as version %(number)s; its values are being computed.")
                % {"number": saved.version.number},
            )
        else:
            messages.success(request, _("The metric was saved."))
        return redirect("measures:metric", metric_id=saved.pk)
    return render(request, "measures/metric_form.html", {"form": form, "metric": metric})


@require_http_methods(["GET", "POST"])
@permission_required("measures.add_metric", raise_exception=True)
def metric_create(request: HttpRequest) -> HttpResponse:
    return _save_metric(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("measures.change_metric", raise_exception=True)
def metric_update(request: HttpRequest, metric_id: int) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=metric_id)
    if metric.built_in:
        return _built_in_refused(request, metric)
    return _save_metric(request, metric)


def _built_in_refused(request: HttpRequest, metric: Metric) -> HttpResponse:
    messages.error(request, _("A built-in metric cannot be edited or deleted."))
    return redirect("measures:metric", metric_id=metric.pk)


@require_POST
@permission_required(["measures.add_metric", "measures.change_metric"], raise_exception=True)
def metric_preview(request: HttpRequest) -> HttpResponse:
    """What the definition being edited would give for every past period; stores nothing."""
    metric = None
    if (metric_id := parse_id(request.POST.get("metric"))) is not None:
        metric = Metric.objects.filter(pk=metric_id).first()
    form = MetricForm(request.POST, instance=metric)
    context: dict[str, Any] = {"form": form, "rows": None}
    # The preview needs only what produces the numbers: a missing name does not stop it.
    if not form.is_valid() and set(form.errors) & PREVIEW_FIELDS:
        return render(request, "measures/metric_form.html#preview", context)
    if form.cleaned_data.get("period"):
        today = timezone.localdate()
        period = form.cleaned_data["period"]
        kind = form.cleaned_data.get("kind") or (metric.kind if metric else None)
        span = history_span(today)
        values = _preview_values(kind, period, form.definition(), span, metric)
        # As the metric's page will show them: no data before the data begin.
        window = Window(
            data_from=selectors.data_start(
                kind, form.cleaned_data.get("data_from"), selectors.first_logged_day()
            )
        )
        context["rows"] = [
            (
                period_label(v.period_start, period),
                v.value if window.has_data(v.period_start, period) else None,
                period_end(v.period_start, period) < today,
            )
            for v in sorted(values, key=lambda v: v.period_start)
            if v.area_id is None
        ]
        # The summary that stays in view on a phone: the current period is still filling up.
        context["latest"] = next((row for row in reversed(context["rows"]) if row[2]), None)
    return render(request, "measures/metric_form.html#preview", context)


def _preview_values(
    kind: str | None, period: str, definition: dict[str, Any], span: Span, metric: Metric | None
) -> list[Any]:
    if kind == Metric.Kind.ACTIVITY:
        parsed = ActivityDefinition.from_json(definition)
        return compute_definitions([("preview", period, parsed)], span)["preview"]
    if kind == Metric.Kind.RATIO:
        return compute_ratio(MetricVersion(period=period, definition=definition), span)
    if metric is not None:
        return compute_manual(MetricVersion(metric=metric, period=period), span)
    return []


@require_http_methods(["GET", "POST"])
@permission_required("measures.delete_metric", raise_exception=True)
def metric_delete(request: HttpRequest, metric_id: int) -> HttpResponse:
    metric = get_object_or_404(Metric, pk=metric_id)
    if metric.built_in:
        return _built_in_refused(request, metric)
    if request.method == "POST":
        services.metric_delete(metric=metric)
        messages.success(request, _("The metric was deleted."))
        return redirect("measures:metrics")
    return render(request, "measures/metric_confirm_delete.html", {"metric": metric})


def _manual_metric(metric_id: int) -> Metric:
    return get_object_or_404(
        Metric.objects.select_related("current_version"),
        pk=metric_id,
        kind=Metric.Kind.MANUAL,
        current_version__isnull=False,
    )


def _save_measurement(
    request: HttpRequest, metric: Metric, measurement: Measurement | None
) -> HttpResponse:
    periods = selectors.period_choices(metric, timezone.localdate())
    form = MeasurementForm(
        request.POST or None, instance=measurement, metric=metric, periods=periods
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.measurement_save(
                user=request.user,  # type: ignore[arg-type]
                metric=metric,
                data=form.cleaned_data,
                measurement=measurement,
            )
        except ValidationError as exc:  # e.g. the period was closed meanwhile
            form.add_error(None, exc)
        else:
            messages.success(request, _("The value was saved."))
            return redirect("measures:metric", metric_id=metric.pk)
    context = {"form": form, "metric": metric, "measurement": measurement}
    return render(request, "measures/measurement_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("measures.add_measurement", raise_exception=True)
def measurement_create(request: HttpRequest, metric_id: int) -> HttpResponse:
    return _save_measurement(request, _manual_metric(metric_id), None)


@require_http_methods(["GET", "POST"])
@permission_required("measures.change_measurement", raise_exception=True)
def measurement_update(request: HttpRequest, metric_id: int, measurement_id: int) -> HttpResponse:
    metric = _manual_metric(metric_id)
    measurement = get_object_or_404(Measurement, pk=measurement_id, metric=metric)
    return _save_measurement(request, metric, measurement)


@require_http_methods(["GET", "POST"])
@permission_required("measures.delete_measurement", raise_exception=True)
def measurement_delete(request: HttpRequest, metric_id: int, measurement_id: int) -> HttpResponse:
    metric = _manual_metric(metric_id)
    measurement = get_object_or_404(Measurement, pk=measurement_id, metric=metric)
    if request.method == "POST":
        try:
            services.measurement_delete(measurement=measurement)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The value was deleted."))
        return redirect("measures:metric", metric_id=metric.pk)
    context = {"metric": metric, "measurement": measurement}
    return render(request, "measures/measurement_confirm_delete.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def inequality_meter(request: HttpRequest) -> HttpResponse:
    """Need and reach side by side for every basic district, and over the years the share of
    participants from the highest-need third of the districts."""
    index = need.need_index()
    year, form = _meter_year(request, meter.reach_metrics())
    context: dict[str, Any] = {"index": index, "form": form, "year": year}
    if index is not None:
        result = meter.meter(index, year)
        shapes, map_height = meter.map_shapes(result.districts)
        context |= {
            "meter": result,
            "shapes": shapes,
            "map_width": meter.MAP_WIDTH,
            "map_height": map_height,
            "scatter": meter.scatter(result.districts),
            "this_year": next((row for row in result.over_time if row.year == year), None),
        }
    return render(request, "measures/meter.html", context)


def _meter_year(request: HttpRequest, metrics: dict[str, Metric]) -> tuple[int, MeterYearForm]:
    """The year asked for (one with reach values), or the latest complete one."""
    years = meter.years_with_reach(metrics) or [timezone.localdate().year - 1]
    year = meter.default_year(metrics, timezone.localdate())
    form = MeterYearForm(request.GET or None, years=years, initial={"year": year})
    if form.is_bound and form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    return year, form


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def area_dashboards(request: HttpRequest) -> HttpResponse:
    """The basic districts Kalliola works in (or all 34) side by side in a year."""
    index = need.need_index()
    year, form = _meter_year(request, meter.reach_metrics())
    everywhere = request.GET.get("all") == "1"
    context: dict[str, Any] = {"index": index, "form": form, "year": year, "all": everywhere}
    if index is not None:
        context["rows"] = areas.side_by_side(meter.meter(index, year), everywhere=everywhere)
    return render(request, "measures/areas.html", context)


@require_GET
@permission_required("measures.view_metric", raise_exception=True)
def area_dashboard(request: HttpRequest, code: str) -> HttpResponse:
    """One basic district or sub-district over time, beside its public statistics."""
    area = areas.area_for_page(code)
    if area is None:
        raise Http404(_("No such district."))
    year, form = _meter_year(request, meter.reach_metrics())
    board = areas.area_dashboard(area, year)
    return render(request, "measures/area.html", {"board": board, "form": form, "year": year})

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.middleware import HtmxDetails

from goals.models import Means
from kalliola.ids import parse_id
from neighbourhoods import closing, exports, imports, need, selectors, services, statistics, tasks
from neighbourhoods.forms import (
    ActivityFilterForm,
    ActivityForm,
    ClosePeriodForm,
    ImportForm,
    ReopenPeriodForm,
    SignalFilterForm,
    SignalForm,
    SinceForm,
)
from neighbourhoods.history import HistoryEntry, readable_history
from neighbourhoods.models import Activity, ClosedPeriod, ImportBatch, Partner

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
# The soonest upcoming activities shown above one's done work; the rest are a click away.
UPCOMING_SHOWN = 5


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _history(request: HttpRequest, obj: Model) -> list[HistoryEntry] | None:
    """The recorded changes of obj, for those who may see them (leadership and admins)."""
    return readable_history(obj) if selectors.can_see_history(request.user) else None


def _query_without_page(request: HttpRequest, *others: str) -> str:
    """The list's query string, for the links to other pages of the same filtered list."""
    query = request.GET.copy()
    for name in ("page", *others):
        query.pop(name, None)
    return query.urlencode()


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every activity for leadership and admins; one's own for everyone else."""
    see_all = selectors.can_see_all_activities(request.user)
    return _filtered_list(
        request,
        rows=selectors.activity_list(user=request.user),
        filters=ActivityFilterForm(request.GET, user=request.user),
        narrow=selectors.activity_filter,
        title=_("All activities") if see_all else _("My activities"),
        template="neighbourhoods/activity_list.html",
    )


def _filtered_list(
    request: HtmxHttpRequest,
    *,
    rows: QuerySet[Any],
    filters: Any,
    narrow: Callable[[QuerySet[Any], dict[str, Any]], QuerySet[Any]],
    title: str,
    template: str,
) -> HttpResponse:
    """A list page with filters; a filter change by HTMX gets only the results back."""
    rows = _narrowed(rows, filters, narrow)
    context = {
        "page": _page(request, rows),
        "title": title,
        "filters": filters,
        "query": _query_without_page(request),
    }
    return _render_list(request, template, context)


def _narrowed(
    rows: QuerySet[Any],
    filters: Any,
    narrow: Callable[[QuerySet[Any], dict[str, Any]], QuerySet[Any]],
) -> QuerySet[Any]:
    """The rows the filters let through; none while a filter is bad (the form says which)."""
    return narrow(rows, filters.cleaned_data) if filters.is_valid() else rows.none()


def _render_list(request: HtmxHttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


def _activities_to_export(request: HttpRequest) -> QuerySet[Activity] | None:
    """What the activity list shows for the same query string, or None if a filter is bad."""
    filters = ActivityFilterForm(request.GET, user=request.user)
    if not filters.is_valid():
        return None
    activities = selectors.activity_list(user=request.user)
    return selectors.activity_filter(activities, filters.cleaned_data)


def _bad_export_filters(request: HtmxHttpRequest) -> HttpResponse:
    """The activity list, which says what is wrong with the filters."""
    response = activity_list(request)
    response.status_code = 400
    return response


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_export_csv(request: HtmxHttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The filtered activity list as CSV, streamed while it is read."""
    activities = _activities_to_export(request)
    if activities is None:
        return _bad_export_filters(request)
    response = StreamingHttpResponse(
        exports.csv_pieces(activities), content_type=exports.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename("csv")}"'
    return response


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_export_xlsx(request: HtmxHttpRequest) -> HttpResponse | FileResponse:
    """The filtered activity list as an Excel workbook, sent from a temporary file."""
    activities = _activities_to_export(request)
    if activities is None:
        return _bad_export_filters(request)
    # Small workbooks stay in memory; a large one goes to disk. The response closes the file.
    file = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    exports.xlsx_write(activities, file)
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=exports.filename("xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_mine(request: HtmxHttpRequest) -> HttpResponse:
    """One's own activities, with the filters of the full list: done work newest first, and
    apart from it the soonest few of the upcoming ones (all of them with ?upcoming=all)."""
    filters = ActivityFilterForm(request.GET, user=request.user)
    mine = _narrowed(selectors.activity_mine(user=request.user), filters, selectors.activity_filter)
    today = timezone.localdate()
    upcoming = selectors.activities_upcoming(mine, today=today)
    all_upcoming = request.GET.get("upcoming") == "all"
    page = _page(
        request, upcoming if all_upcoming else selectors.activities_earlier(mine, today=today)
    )
    context: dict[str, Any] = {
        "page": page,
        "title": _("My activities"),
        "filters": filters,
        "query": _query_without_page(request),
        "mine": True,
        "all_upcoming": all_upcoming,
        "done_query": _query_without_page(request, "upcoming"),
    }
    if not all_upcoming and page.number == 1:
        context["upcoming"] = list(upcoming[:UPCOMING_SHOWN])
        context["upcoming_count"] = upcoming.count()
    return _render_list(request, "neighbourhoods/activity_list.html", context)


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=activity_id)
    closed_notice = closing.notice(activity.date)
    context = {
        "activity": activity,
        "can_change": selectors.can_change_activity(request.user, activity) and not closed_notice,
        "closed_notice": closed_notice,
        "history": _history(request, activity),
    }
    return render(request, "neighbourhoods/activity_detail.html", context)


def _initial_for_new(request: HttpRequest) -> dict[str, Any]:
    """Start from a copied activity, or from the user's last area, type and unit."""
    initial: dict[str, Any] = {"status": Activity.Status.DONE, "date": timezone.localdate()}
    source = None
    if copy_id := request.GET.get("copy", "").strip():
        if (pk := parse_id(copy_id)) is not None:
            source = selectors.activity_list(user=request.user).filter(pk=pk).first()
        if source is None:
            messages.warning(request, _("The activity to copy was not found."))
    if source is not None:
        fields = [name for name in ActivityForm.Meta.fields if name not in {"date", "end_date"}]
        for name in fields:
            value = getattr(source, name)
            initial[name] = list(value.all()) if hasattr(value, "all") else value
        return initial
    if unit := selectors.only_unit_of(user=request.user):
        initial["unit"] = unit.pk
    if last := selectors.activity_last_of(user=request.user):
        initial |= {"area": last.area_id, "type": last.type_id, "unit": last.unit_id}
    return initial


def _render_activity_form(request: HttpRequest, form: ActivityForm, **context: Any) -> HttpResponse:
    form.enable_live_validation(reverse("neighbourhoods:activity_validate"))
    activity = context.get("activity")
    context["closed_notice"] = closing.notice(activity.date) if activity else ""
    context["form"] = form
    return render(request, "neighbourhoods/activity_form.html", context)


def _render_live_fields(request: HtmxHttpRequest, form: ActivityForm | SignalForm) -> HttpResponse:
    """Validate the posted form and render only the errors of the field the user left and of
    its dependents."""
    name = request.htmx.trigger_name if request.htmx else None
    if name not in form.live_fields:
        return HttpResponseBadRequest(_("This field is not validated on its own."))
    form.is_valid()
    return render(request, "includes/live_fields.html", {"fields": form.live_response(name)})


@require_POST
@permission_required(
    ["neighbourhoods.add_activity", "neighbourhoods.change_activity"], raise_exception=True
)
def activity_validate(request: HtmxHttpRequest) -> HttpResponse:
    """One field of the activity form, validated as the user leaves it (HTMX); saves nothing."""
    form = ActivityForm(request.POST, user=request.user)
    return _render_live_fields(request, form)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.add_activity", raise_exception=True)
def activity_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                activity = services.activity_create(user=request.user, data=data)  # type: ignore[arg-type]
            except ValidationError as exc:  # e.g. the period was closed meanwhile
                form.add_error(None, exc)
            else:
                messages.success(request, _("The activity was saved."))
                return redirect("neighbourhoods:activity", activity_id=activity.pk)
    else:
        form = ActivityForm(user=request.user, initial=_initial_for_new(request))
    return _render_activity_form(request, form, activity=None)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.change_activity", raise_exception=True)
def activity_update(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_for_edit(user=request.user, activity_id=activity_id)
    conflict = None
    if request.method == "POST":
        form = ActivityForm(request.POST, instance=activity, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            try:
                services.activity_update(
                    activity_id=activity.pk,
                    data=data,
                    expected_version=form.cleaned_data["version"] or 0,
                )
            except ValidationError as exc:  # e.g. the period was closed meanwhile
                form.add_error(None, exc)
            except services.ActivityConflict as exc:
                conflict = exc
                form.add_error(
                    None,
                    _(
                        "Someone else saved this activity while you were editing it, so "
                        "your changes were not saved. Check the differences below, then save "
                        "again if yours should stand."
                    ),
                )
                # The next save is compared with what is saved now.
                form.data = form.data.copy()  # type: ignore[attr-defined]
                form.data["version"] = exc.current.version  # type: ignore[index]
            else:
                messages.success(request, _("The activity was saved."))
                return redirect("neighbourhoods:activity", activity_id=activity.pk)
    else:
        form = ActivityForm(instance=activity, user=request.user)
    return _render_activity_form(request, form, activity=activity, conflict=conflict)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.delete_activity", raise_exception=True)
def activity_delete(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_for_edit(user=request.user, activity_id=activity_id)
    if request.method == "POST":
        try:
            services.activity_delete(activity=activity)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("neighbourhoods:activity", activity_id=activity.pk)
        messages.success(request, _("The activity was deleted."))
        return redirect("neighbourhoods:activities_mine")
    return render(request, "neighbourhoods/activity_confirm_delete.html", {"activity": activity})


@require_GET
@permission_required("neighbourhoods.view_signal", raise_exception=True)
def signal_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every signal for leadership and admins; one's own for everyone else."""
    see_all = selectors.can_see_all_signals(request.user)
    return _filtered_list(
        request,
        rows=selectors.signal_list(user=request.user),
        filters=SignalFilterForm(request.GET),
        narrow=selectors.signal_filter,
        title=_("All signals") if see_all else _("My signals"),
        template="neighbourhoods/signal_list.html",
    )


@require_GET
@permission_required("neighbourhoods.view_signal", raise_exception=True)
def signal_detail(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_for_user(user=request.user, signal_id=signal_id)
    closed_notice = closing.notice(signal.date)
    context = {
        "signal": signal,
        "can_change": selectors.can_change_signal(request.user, signal) and not closed_notice,
        "closed_notice": closed_notice,
        "history": _history(request, signal),
    }
    return render(request, "neighbourhoods/signal_detail.html", context)


def _initial_signal(request: HttpRequest) -> dict[str, Any]:
    """Today, the user's only unit; from ?activity=<id>, what that activity heard and where."""
    initial: dict[str, Any] = {"date": timezone.localdate(), "urgency": "medium"}
    if unit := selectors.only_unit_of(user=request.user):
        initial["unit"] = unit.pk
    if activity_id := request.GET.get("activity", "").strip():
        activity = None
        if (pk := parse_id(activity_id)) is not None:
            activity = selectors.activity_list(user=request.user).filter(pk=pk).first()
        if activity is None:
            messages.warning(request, _("The activity to link was not found."))
        else:
            initial |= {
                "activity": activity.pk,
                "date": min(activity.date, timezone.localdate()),
                "area": activity.area_id,
                "unit": activity.unit_id,
                "themes": list(activity.themes.all()),
                "text": activity.heard,
            }
    return initial


def _render_signal_form(request: HttpRequest, form: SignalForm, **context: Any) -> HttpResponse:
    form.enable_live_validation(reverse("neighbourhoods:signal_validate"))
    signal = context.get("signal")
    context["closed_notice"] = closing.notice(signal.date) if signal else ""
    context["form"] = form
    return render(request, "neighbourhoods/signal_form.html", context)


@require_POST
@permission_required(
    ["neighbourhoods.add_signal", "neighbourhoods.change_signal"], raise_exception=True
)
def signal_validate(request: HtmxHttpRequest) -> HttpResponse:
    """One field of the signal form, validated as the user leaves it (HTMX); saves nothing."""
    form = SignalForm(request.POST, user=request.user)
    return _render_live_fields(request, form)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.add_signal", raise_exception=True)
def signal_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignalForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                signal = services.signal_create(user=request.user, data=form.cleaned_data)  # type: ignore[arg-type]
            except ValidationError as exc:  # e.g. the period was closed meanwhile
                form.add_error(None, exc)
            else:
                messages.success(request, _("The signal was saved."))
                return redirect("neighbourhoods:signal", signal_id=signal.pk)
    else:
        form = SignalForm(user=request.user, initial=_initial_signal(request))
    return _render_signal_form(request, form, signal=None)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.change_signal", raise_exception=True)
def signal_update(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_for_edit(user=request.user, signal_id=signal_id)
    if request.method == "POST":
        form = SignalForm(request.POST, instance=signal, user=request.user)
        if form.is_valid():
            try:
                services.signal_update(signal=signal, data=form.cleaned_data)
            except ValidationError as exc:  # e.g. the period was closed meanwhile
                form.add_error(None, exc)
            else:
                messages.success(request, _("The signal was saved."))
                return redirect("neighbourhoods:signal", signal_id=signal.pk)
    else:
        form = SignalForm(instance=signal, user=request.user)
    return _render_signal_form(request, form, signal=signal)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.delete_signal", raise_exception=True)
def signal_delete(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = selectors.signal_for_edit(user=request.user, signal_id=signal_id)
    if request.method == "POST":
        try:
            services.signal_delete(signal=signal)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("neighbourhoods:signal", signal_id=signal.pk)
        messages.success(request, _("The signal was deleted."))
        return redirect("neighbourhoods:signals")
    return render(request, "neighbourhoods/signal_confirm_delete.html", {"signal": signal})


@require_GET
@permission_required("neighbourhoods.view_partner", raise_exception=True)
def partner_list(request: HttpRequest) -> HttpResponse:
    context = {
        "partners": selectors.partner_list(user=request.user),
        "see_all": selectors.can_see_all_activities(request.user),
    }
    return render(request, "neighbourhoods/partner_list.html", context)


@require_GET
@permission_required("neighbourhoods.view_partner", raise_exception=True)
def partner_detail(request: HttpRequest, partner_id: int) -> HttpResponse:
    partner = get_object_or_404(Partner, pk=partner_id)
    activities = selectors.partner_activities(user=request.user, partner=partner)
    context = {
        "partner": partner,
        "page": _page(request, activities),
        "history": _history(request, partner),
    }
    return render(request, "neighbourhoods/partner_detail.html", context)


@require_GET
@permission_required("goals.view_means", raise_exception=True)
def means_activities(request: HttpRequest, means_id: int) -> HttpResponse:
    """The activities logged under a means since a day (?since=YYYY-MM-DD): a fragment the
    means page embeds, since the strategy's pages cannot read the log themselves."""
    means: Means = get_object_or_404(Means.objects.select_related("goal"), pk=means_id)
    form = SinceForm(request.GET)
    since = form.cleaned_data["since"] if form.is_valid() else None
    totals = selectors.means_activity_totals(means=means, since=since)
    query = {"means": means.pk} | ({"date_from": since.isoformat()} if since else {})
    return render(
        request,
        "neighbourhoods/means_activities.html",
        {
            "means": means,
            "since": since,
            "totals": totals,
            "log_url": f"{reverse('neighbourhoods:activities')}?{urlencode(query)}",
            "form": form,
        },
    )


@require_GET
@permission_required("neighbourhoods.view_needcomponent", raise_exception=True)
def need_method(request: HttpRequest) -> HttpResponse:
    """How the need index is computed, with the components and figures the code uses."""
    index = need.need_index()
    context = {
        "index": index,
        "components": list(need.COMPONENTS.values()),
        "enabled": {component.key for component in need.enabled_components()},
        "statistics_source": statistics.SOURCE,
    }
    return render(request, "neighbourhoods/need_method.html", context)


# --- Imports ----------------------------------------------------------------------------------

RECENT_IMPORTS = 10


def _batch_for(request: HttpRequest, batch_id: int) -> ImportBatch:
    """A batch the user may see: their own; any, for those who see every activity."""
    batch = get_object_or_404(ImportBatch.objects.select_related("created_by"), pk=batch_id)
    user = request.user
    if batch.created_by_id != user.pk and not (
        user.has_perm("neighbourhoods.undo_any_import")
        or user.has_perm("neighbourhoods.view_all_activities")
    ):
        raise PermissionDenied(_("This import is someone else's."))
    return batch


def _run_import_step(batch: ImportBatch, step: str) -> None:
    """Check or import the batch now if it is small, else in a worker (the page polls)."""
    if services.import_runs_inline(batch):
        {"check": services.import_check, "commit": services.import_commit}[step](batch.pk)
        return
    task = {"check": tasks.check_import, "commit": tasks.run_import}[step]
    try:
        task.apply_async(args=[batch.pk], retry=False)
    except Exception:
        logger.warning("Could not queue import %s.", batch.pk, exc_info=True)
        services.import_fail(
            batch.pk,
            _(
                "The import could not be started: the background worker is not reachable. "
                "Try again in a while."
            ),
        )


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.add_importbatch", raise_exception=True)
def activity_import(request: HttpRequest) -> HttpResponse:
    """Upload a spreadsheet of activities: it is checked, and nothing is saved until the user
    has seen the result and confirmed it."""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = services.import_start(
            user=request.user,  # type: ignore[arg-type]
            file_name=upload.name,
            content=upload.read(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        _run_import_step(batch, "check")
        return redirect("neighbourhoods:import_batch", batch_id=batch.pk)
    recent = ImportBatch.objects.filter(created_by=request.user.pk)
    context = {
        "form": form,
        "recent": recent[:RECENT_IMPORTS],
        "columns": imports.columns_for(request.user),  # type: ignore[arg-type]
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_mb": settings.IMPORT_MAX_FILE_MB,
    }
    return render(request, "neighbourhoods/import.html", context)


@require_GET
@permission_required("neighbourhoods.add_importbatch", raise_exception=True)
def activity_import_template(request: HttpRequest) -> FileResponse:
    file = tempfile.SpooledTemporaryFile(max_size=4 * 1024 * 1024)  # noqa: SIM115
    imports.template_workbook(request.user, file)  # type: ignore[arg-type]
    file.seek(0)
    return FileResponse(
        file,
        as_attachment=True,
        filename=_("activities-import-template.xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )


def _batch_context(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    done = services.import_progress(batch) if batch.is_running else batch.rows_done
    return {
        "batch": batch,
        "progress": min(done, batch.rows) if batch.rows else done,
        "error_rows": len({error["row"] for error in batch.errors}),
        "undo_refusal": services.import_undo_refusal(user=request.user, batch=batch)  # type: ignore[arg-type]
        if batch.status == ImportBatch.Status.DONE
        else None,
        "log_url": f"{reverse('neighbourhoods:activities')}?{urlencode({'batch': batch.pk})}",
    }


@require_GET
@permission_required("neighbourhoods.add_importbatch", raise_exception=True)
def import_batch(request: HtmxHttpRequest, batch_id: int) -> HttpResponse:
    """An import's progress, and then what it found (HTMX polls the state while it runs)."""
    batch = _batch_for(request, batch_id)
    template = "neighbourhoods/import_batch.html"
    if request.htmx and not request.htmx.boosted:
        template += "#state"
    return render(request, template, _batch_context(request, batch))


@require_POST
@permission_required("neighbourhoods.add_importbatch", raise_exception=True)
def import_batch_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_for(request, batch_id)
    if batch.created_by_id != request.user.pk:
        raise PermissionDenied(_("Only the person who uploaded the file can import it."))
    if batch.status == ImportBatch.Status.READY and not batch.ready_rows:
        messages.info(request, _("There is nothing to import: every row was imported already."))
    elif not services.import_claim(batch):  # not ready, or confirmed already
        messages.error(request, _("This file is not ready to be imported."))
    else:
        _run_import_step(batch, "commit")
    return redirect("neighbourhoods:import_batch", batch_id=batch.pk)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.add_importbatch", raise_exception=True)
def import_batch_undo(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Delete every activity of an import, after a confirmation."""
    batch = _batch_for(request, batch_id)
    refusal = services.import_undo_refusal(user=request.user, batch=batch)  # type: ignore[arg-type]
    if request.method == "POST" and not refusal:
        try:
            services.import_undo(user=request.user, batch_id=batch.pk)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The import was undone: its activities were deleted."))
        return redirect("neighbourhoods:import_batch", batch_id=batch.pk)
    context = {"batch": batch, "refusal": refusal}
    return render(request, "neighbourhoods/import_undo.html", context)


# --- Closed reporting periods -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.view_closedperiod", raise_exception=True)
def reporting_periods(request: HttpRequest) -> HttpResponse:
    """The periods closed for reporting, and reopened, with who did it and why; admins close
    a period here."""
    may_close = request.user.has_perm("neighbourhoods.add_closedperiod")
    form = ClosePeriodForm(request.POST or None) if may_close else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only an administrator closes a reporting period."))
        if form.is_valid():
            try:
                period = closing.period_close(
                    user=request.user,  # type: ignore[arg-type]
                    first_day=form.cleaned_data["first_month"],
                    last_day=form.last_day,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request, _("%(period)s is now closed for reporting.") % {"period": period.label}
                )
                return redirect("neighbourhoods:reporting_periods")
    context = {"periods": closing.closed_periods(), "form": form}
    return render(request, "neighbourhoods/reporting_periods.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.change_closedperiod", raise_exception=True)
def reporting_period_reopen(request: HttpRequest, period_id: int) -> HttpResponse:
    period = get_object_or_404(ClosedPeriod.objects.select_related("closed_by"), pk=period_id)
    form = ReopenPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closing.period_reopen(
                user=request.user,  # type: ignore[arg-type]
                period_id=period.pk,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("%(period)s is open for reporting again.") % {"period": period.label}
            )
            return redirect("neighbourhoods:reporting_periods")
    context = {"period": period, "form": form}
    return render(request, "neighbourhoods/reporting_period_reopen.html", context)

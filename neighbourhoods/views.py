from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from neighbourhoods import selectors, services
from neighbourhoods.forms import ActivityFilterForm, ActivityForm
from neighbourhoods.models import Activity

PAGE_SIZE = 25


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _page(request: HttpRequest, activities: QuerySet[Activity]) -> Any:
    return Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_list(request: HtmxHttpRequest) -> HttpResponse:
    """Every activity for leadership and admins; one's own for everyone else."""
    see_all = selectors.can_see_all_activities(request.user)
    activities = selectors.activity_list(user=request.user)
    filters = ActivityFilterForm(request.GET)
    if filters.is_valid():
        activities = selectors.activity_filter(activities, filters.cleaned_data)
    else:
        activities = activities.none()
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": _page(request, activities),
        "title": _("All activities") if see_all else _("My activities"),
        "filters": filters,
        "query": query.urlencode(),
    }
    template = "neighbourhoods/activity_list.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
    return render(request, template, context)


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_mine(request: HttpRequest) -> HttpResponse:
    activities = selectors.activity_mine(user=request.user)
    context = {"page": _page(request, activities), "title": _("My activities")}
    return render(request, "neighbourhoods/activity_list.html", context)


@require_GET
@permission_required("neighbourhoods.view_activity", raise_exception=True)
def activity_detail(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=activity_id)
    can_change = selectors.can_change_activity(request.user, activity)
    history = None
    if request.user.has_perm("auditlog.view_logentry"):
        history = selectors.activity_history(activity=activity)
    context = {"activity": activity, "can_change": can_change, "history": history}
    return render(request, "neighbourhoods/activity_detail.html", context)


def _initial_for_new(request: HttpRequest) -> dict[str, Any]:
    """Start from a copied activity, or from the user's last area, type and unit."""
    initial: dict[str, Any] = {"status": Activity.Status.DONE, "date": timezone.localdate()}
    source = None
    if copy_id := request.GET.get("copy", "").strip():
        if copy_id.isdigit():
            source = selectors.activity_list(user=request.user).filter(pk=copy_id).first()
        if source is None:
            messages.warning(request, _("The activity to copy was not found."))
    if source is not None:
        fields = [name for name in ActivityForm.Meta.fields if name not in {"date", "end_date"}]
        for name in fields:
            value = getattr(source, name)
            initial[name] = list(value.all()) if hasattr(value, "all") else value
        return initial
    units = list(selectors.units_for(user=request.user)[:2])
    if len(units) == 1:
        initial["unit"] = units[0].pk
    if last := selectors.activity_last_of(user=request.user):
        initial |= {"area": last.area_id, "type": last.type_id, "unit": last.unit_id}
    return initial


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.add_activity", raise_exception=True)
def activity_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ActivityForm(request.POST, user=request.user)
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
            activity = services.activity_create(user=request.user, data=data)  # type: ignore[arg-type]
            messages.success(request, _("The activity was saved."))
            return redirect("neighbourhoods:activity", activity_id=activity.pk)
    else:
        form = ActivityForm(user=request.user, initial=_initial_for_new(request))
    return render(request, "neighbourhoods/activity_form.html", {"form": form, "activity": None})


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
    context = {"form": form, "activity": activity, "conflict": conflict}
    return render(request, "neighbourhoods/activity_form.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("neighbourhoods.delete_activity", raise_exception=True)
def activity_delete(request: HttpRequest, activity_id: int) -> HttpResponse:
    activity = selectors.activity_for_edit(user=request.user, activity_id=activity_id)
    if request.method == "POST":
        services.activity_delete(activity=activity)
        messages.success(request, _("The activity was deleted."))
        return redirect("neighbourhoods:activities_mine")
    return render(request, "neighbourhoods/activity_confirm_delete.html", {"activity": activity})

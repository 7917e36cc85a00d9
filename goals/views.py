from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from goals import selectors, services
from goals.forms import MeansForm, MeansNoteForm
from goals.models import Means


@require_GET
@permission_required("goals.view_strategy", raise_exception=True)
def strategy_house(request: HttpRequest) -> HttpResponse:
    strategy = selectors.strategy_active()
    return render(request, "goals/strategy_house.html", {"strategy": strategy})


@require_GET
@permission_required("goals.view_goal", raise_exception=True)
def goal_detail(request: HttpRequest, number: int) -> HttpResponse:
    goal = selectors.goal_for_page(number=number)
    if goal is None:
        raise Http404(_("The active strategy has no goal with this number."))
    goals = selectors.goal_list(strategy=goal.strategy)
    return render(request, "goals/goal_detail.html", {"goal": goal, "goals": goals})


def _means(number: int, position: int) -> Means:
    means = selectors.means_for_page(number=number, position=position)
    if means is None:
        raise Http404(_("The active strategy has no such means."))
    return means


def _render_means(
    request: HttpRequest,
    means: Means,
    *,
    note_form: MeansNoteForm | None = None,
    means_form: MeansForm | None = None,
) -> HttpResponse:
    user = request.user
    notes = list(selectors.means_notes(means=means))
    can_write = selectors.can_write_note(user, means)
    can_manage = selectors.can_manage_means(user)
    context = {
        "means": means,
        "goal": means.goal,
        "notes": notes,
        "since": notes[0].written_at if notes else None,
        "note_form": note_form or (MeansNoteForm(means=means) if can_write else None),
        "means_form": means_form or (MeansForm(instance=means) if can_manage else None),
    }
    return render(request, "goals/means_detail.html", context)


@require_GET
@permission_required("goals.view_means", raise_exception=True)
def means_detail(request: HttpRequest, number: int, position: int) -> HttpResponse:
    """A means: who owns it, where it stands, its progress notes, and what was done under it."""
    return _render_means(request, _means(number, position))


@require_POST
@permission_required("goals.view_means", raise_exception=True)
def means_note_create(request: HttpRequest, number: int, position: int) -> HttpResponse:
    means = _means(number, position)
    if not selectors.can_write_note(request.user, means):
        raise PermissionDenied(_("Only the owner of a means, leadership and admins write notes."))
    form = MeansNoteForm(request.POST, means=means)
    if not form.is_valid():
        return _render_means(request, means, note_form=form)
    services.means_note_add(
        means=means,
        author=request.user,  # type: ignore[arg-type]
        text=form.cleaned_data["text"],
        status=form.cleaned_data["status"],
    )
    messages.success(request, _("The progress note was saved."))
    return redirect("goals:means", number=number, position=position)


@require_POST
@permission_required("goals.manage_means", raise_exception=True)
def means_update(request: HttpRequest, number: int, position: int) -> HttpResponse:
    means = _means(number, position)
    form = MeansForm(request.POST, instance=Means.objects.get(pk=means.pk))
    if not form.is_valid():
        return _render_means(request, means, means_form=form)
    services.means_update(
        means=means, owner=form.cleaned_data["owner"], status=form.cleaned_data["status"]
    )
    messages.success(request, _("The owner and status were saved."))
    return redirect("goals:means", number=number, position=position)


@require_GET
@permission_required("goals.view_means", raise_exception=True)
def means_mine(request: HttpRequest) -> HttpResponse:
    """The means the user owns, each with its latest note; silent ones flagged."""
    states = selectors.means_owned_by(user=request.user)
    context = {"states": states, "silent_days": settings.MEANS_SILENT_AFTER_DAYS}
    return render(request, "goals/means_mine.html", context)

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from goals import selectors


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

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from evaluation import selectors, services
from evaluation.forms import AssessmentForm, EvaluationForm
from evaluation.models import LEVEL_DEFINITIONS, Level, OutcomeAssessment
from goals.models import Goal, Outcome, Strategy
from neighbourhoods.selectors import can_see_all_activities


def _outcome(number: int, position: int) -> Outcome:
    outcome = selectors.outcome_for_page(number=number, position=position)
    if outcome is None:
        raise Http404(_("The active strategy has no such outcome."))
    return outcome


def _form_context(form: AssessmentForm, outcome: Outcome) -> dict[str, Any]:
    chosen = form.chosen_activities()
    return {
        "form": form,
        "offered": selectors.activities_offered(outcome.goal, chosen=chosen),
        "chosen": set(chosen),
    }


def _render_outcome(
    request: HttpRequest, outcome: Outcome, *, form: AssessmentForm | None = None
) -> HttpResponse:
    assessments = selectors.assessments_of(outcome=outcome)
    can_assess = selectors.can_assess(request.user)
    context: dict[str, Any] = {
        "outcome": outcome,
        "goal": outcome.goal,
        "assessments": assessments,
        "latest": assessments[0] if assessments else None,
        "timeline": list(reversed(assessments)),
        "levels": [(level, LEVEL_DEFINITIONS[level]) for level in Level],
        "can_assess": can_assess,
        "may_open_activities": can_see_all_activities(request.user),
    }
    if can_assess:
        form = form or AssessmentForm(outcome=outcome)
        context.update(_form_context(form, outcome))
    return render(request, "evaluation/outcome_detail.html", context)


@require_GET
@permission_required("evaluation.view_outcomeassessment", raise_exception=True)
def outcome_detail(request: HttpRequest, number: int, position: int) -> HttpResponse:
    """An outcome: its levels over time, the latest evidence, and the form to assess it."""
    return _render_outcome(request, _outcome(number, position))


def _apply(form: AssessmentForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "assessed_on": data["assessed_on"],
        "level": data["level"],
        "evidence": data["evidence"],
        "is_final": data["is_final"],
        "metrics": data["metrics"],
        "activities": data["activities"],
    }


@require_POST
@permission_required("evaluation.add_outcomeassessment", raise_exception=True)
def assessment_create(request: HttpRequest, number: int, position: int) -> HttpResponse:
    outcome = _outcome(number, position)
    form = AssessmentForm(request.POST, outcome=outcome)
    if form.is_valid():
        try:
            services.assessment_create(
                outcome=outcome,
                author=request.user,  # type: ignore[arg-type]
                **_apply(form),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The assessment was saved."))
            return redirect("evaluation:outcome", number=number, position=position)
    return _render_outcome(request, outcome, form=form)


@require_http_methods(["GET", "POST"])
@permission_required("evaluation.change_outcomeassessment", raise_exception=True)
def assessment_update(request: HttpRequest, number: int, position: int, pk: int) -> HttpResponse:
    """Correct the latest assessment; an earlier one cannot be opened for editing."""
    outcome = _outcome(number, position)
    assessment = OutcomeAssessment.objects.filter(outcome=outcome, pk=pk).first()
    if assessment is None:
        raise Http404(_("No such assessment."))
    if selectors.latest_assessment(outcome) != assessment:
        raise PermissionDenied(_("A later assessment exists: this one is history."))
    form = AssessmentForm(request.POST or None, instance=assessment, outcome=outcome)
    if request.method == "POST" and form.is_valid():
        try:
            services.assessment_update(assessment=assessment, **_apply(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The assessment was corrected."))
            return redirect("evaluation:outcome", number=number, position=position)
    context = {"outcome": outcome, "goal": outcome.goal, "assessment": assessment}
    context.update(_form_context(form, outcome))
    return render(request, "evaluation/assessment_form.html", context)


@require_GET
@permission_required("evaluation.add_outcomeassessment", raise_exception=True)
def activity_search(request: HttpRequest, number: int, position: int) -> HttpResponse:
    """The goal's activities whose title matches, as checkboxes for the assessment form."""
    outcome = _outcome(number, position)
    query = request.GET.get("q", "").strip()[:100]
    offered = selectors.activities_offered(outcome.goal, chosen=[], query=query)
    context = {"offered": offered, "chosen": set(), "prefix": "found", "query": query}
    return render(request, "evaluation/activity_choices.html", context)


@require_GET
@permission_required("evaluation.view_outcomeassessment", raise_exception=True)
def goal_outcomes(request: HttpRequest, goal_id: int) -> HttpResponse:
    """Each outcome of a goal with its latest level: a fragment the goal dashboard loads."""
    goal = Goal.objects.filter(pk=goal_id).select_related("strategy").first()
    if goal is None:
        raise Http404(_("No such goal."))
    states = selectors.outcome_levels(goal=goal)
    context = {
        "goal": goal,
        "states": states,
        "active": goal.strategy.status == Strategy.Status.ACTIVE,
    }
    return render(request, "evaluation/goal_outcomes.html", context)


def _strategy(slug: str) -> Strategy:
    strategy = selectors.strategy_for_evaluation(slug=slug)
    if strategy is None:
        raise Http404(_("No such strategy."))
    return strategy


def _render_evaluation(
    request: HttpRequest, strategy: Strategy, *, form: EvaluationForm | None = None
) -> HttpResponse:
    evaluation = selectors.evaluation_of(strategy=strategy, today=timezone.localdate())
    can_evaluate = selectors.can_evaluate(request.user)
    if can_evaluate and not evaluation.done and form is None:
        form = EvaluationForm(
            instance=evaluation.record,
            goals=[result.goal for result in evaluation.goals],
            summaries={result.goal.pk: result.summary for result in evaluation.goals},
        )
    context = {
        "strategy": strategy,
        "evaluation": evaluation,
        "form": form,
        "can_evaluate": can_evaluate,
        # The outcome and means pages are the active strategy's.
        "active": strategy.status == Strategy.Status.ACTIVE,
    }
    return render(request, "evaluation/evaluation.html", context)


@require_GET
@permission_required("evaluation.view_strategyevaluation", raise_exception=True)
def evaluation_current(request: HttpRequest) -> HttpResponse:
    """The menu's link: the active strategy's evaluation."""
    strategy = Strategy.objects.filter(status=Strategy.Status.ACTIVE).first()
    if strategy is None:
        raise Http404(_("There is no active strategy."))
    return redirect("evaluation:evaluation", slug=strategy.slug)


@require_GET
@permission_required("evaluation.view_strategyevaluation", raise_exception=True)
def evaluation(request: HttpRequest, slug: str) -> HttpResponse:
    """A strategy's evaluation: per goal, the final outcomes, metric results and means."""
    return _render_evaluation(request, _strategy(slug))


@require_POST
@permission_required("evaluation.change_strategyevaluation", raise_exception=True)
def evaluation_save(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = _strategy(slug)
    goals = list(Goal.objects.filter(strategy=strategy).order_by("number"))
    record = getattr(strategy, "evaluation", None)
    form = EvaluationForm(request.POST, instance=record, goals=goals, summaries={})
    if form.is_valid():
        try:
            services.evaluation_save(
                strategy=strategy,
                summary=form.cleaned_data["summary"],
                goal_summaries=form.goal_summaries(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The summaries were saved."))
            return redirect("evaluation:evaluation", slug=slug)
    return _render_evaluation(request, strategy, form=form)


@require_POST
@permission_required("evaluation.change_strategyevaluation", raise_exception=True)
def evaluation_done(request: HttpRequest, slug: str) -> HttpResponse:
    strategy = _strategy(slug)
    try:
        services.evaluation_mark_done(strategy=strategy, user=request.user)  # type: ignore[arg-type]
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The evaluation is marked done."))
    return redirect("evaluation:evaluation", slug=slug)


@require_POST
@permission_required("evaluation.change_strategyevaluation", raise_exception=True)
def evaluation_reopen(request: HttpRequest, slug: str) -> HttpResponse:
    services.evaluation_reopen(strategy=_strategy(slug))
    messages.success(request, _("The evaluation is open again for changes."))
    return redirect("evaluation:evaluation", slug=slug)

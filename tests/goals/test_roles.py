from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from kalliola.roles import ADMIN, LEADERSHIP, ROLES, STAFF

pytestmark = pytest.mark.django_db

GOALS_MODELS = [model._meta.model_name for model in apps.get_app_config("goals").get_models()]


def permissions_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_roles__exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= set(ROLES)


def test_roles__staff_read_the_strategy_and_change_none_of_it():
    permissions = {p for p in permissions_of(STAFF) if p.startswith("goals.")}

    # The one write: a progress note, on a means they own (the view checks the owner).
    assert permissions == {f"goals.view_{model}" for model in GOALS_MODELS} | {
        "goals.add_meansnote"
    }


def test_roles__leadership_read_everything_and_change_only_measurements_means_and_outcomes():
    permissions = permissions_of(LEADERSHIP)

    assert {f"goals.view_{model}" for model in GOALS_MODELS} <= permissions
    assert "auditlog.view_logentry" in permissions
    changes = {p for p in permissions if p.split(".")[1].startswith(("add_", "change_", "delete_"))}
    # Leadership enter the values of manual metrics (survey results and the like), write notes
    # on the means, assess the outcomes and write the strategy's evaluation; they import
    # activities from spreadsheets for any unit; nothing is deleted.
    assert changes == {
        "neighbourhoods.add_importbatch",
        "measures.add_measurement",
        "measures.change_measurement",
        "measures.delete_measurement",
        "goals.add_meansnote",
        "evaluation.add_outcomeassessment",
        "evaluation.change_outcomeassessment",
        "evaluation.add_strategyevaluation",
        "evaluation.change_strategyevaluation",
        "evaluation.add_goalevaluation",
        "evaluation.change_goalevaluation",
    }
    assert "goals.manage_means" in permissions


def test_roles__admins_manage_the_strategy_content():
    permissions = permissions_of(ADMIN)

    for model in GOALS_MODELS:
        for action in ("add", "change", "delete", "view"):
            assert f"goals.{action}_{model}" in permissions


@pytest.mark.parametrize("user_fixture", ["staff_user", "leadership_user"])
def test_admin__is_out_of_reach_for_staff_and_leadership(request, client_for, user_fixture):
    client = client_for(request.getfixturevalue(user_fixture))

    response = client.get(reverse("admin:goals_goal_changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin__is_out_of_reach_for_anonymous_visitors():
    response = Client().get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.parametrize("model", GOALS_MODELS)
def test_admin__covers_every_strategy_model_in_finnish(
    strategy, admin_role_user, client_for, model
):
    client = client_for(admin_role_user)

    changelist = client.get(reverse(f"admin:goals_{model}_changelist"))
    add = client.get(reverse(f"admin:goals_{model}_add"))

    assert changelist.status_code == 200
    assert add.status_code == 200
    assert '<html lang="fi"' in changelist.text


def test_admin__lets_an_admin_edit_a_goal_and_records_who_did_it(
    strategy, admin_role_user, client_for
):
    from auditlog.models import LogEntry

    goal = strategy.goals.get(number=1)
    client = client_for(admin_role_user)
    page = client.get(reverse("admin:goals_goal_change", args=[goal.pk]))
    form = page.context["adminform"].form
    data = {
        name: form[name].value() if form[name].value() is not None else "" for name in form.fields
    }
    data["title_sv"] = "Kalliola är känd som en som löser ojämlikhet."
    for prefix, formset in (
        ("means_set", page.context["inline_admin_formsets"][0].formset),
        ("outcome_set", page.context["inline_admin_formsets"][1].formset),
    ):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": formset.total_form_count(),
                f"{prefix}-INITIAL_FORMS": formset.initial_form_count(),
                f"{prefix}-MIN_NUM_FORMS": 0,
                f"{prefix}-MAX_NUM_FORMS": 1000,
            }
        )
        for index, inline_form in enumerate(formset.forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{prefix}-{index}-{name}"] = "" if value is None else value

    response = client.post(reverse("admin:goals_goal_change", args=[goal.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    goal.refresh_from_db()
    assert goal.title_sv == "Kalliola är känd som en som löser ojämlikhet."
    entry = LogEntry.objects.get_for_object(goal).latest("timestamp")
    assert entry.actor == admin_role_user
    assert "title_sv" in entry.changes_dict

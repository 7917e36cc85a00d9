from django.urls import path

from evaluation import views

app_name = "evaluation"

OUTCOME = "goals/<int:number>/outcomes/<int:position>/"

urlpatterns = [
    path(OUTCOME, views.outcome_detail, name="outcome"),
    path(f"{OUTCOME}assessments/", views.assessment_create, name="assessment_create"),
    path(f"{OUTCOME}assessments/<int:pk>/edit/", views.assessment_update, name="assessment_update"),
    path(f"{OUTCOME}activities/", views.activity_search, name="activity_search"),
    path("outcomes/goal/<int:goal_id>/", views.goal_outcomes, name="goal_outcomes"),
    path("evaluation/", views.evaluation_current, name="current"),
    path("strategies/<slug:slug>/evaluation/", views.evaluation, name="evaluation"),
    path(
        "strategies/<slug:slug>/evaluation/summaries/",
        views.evaluation_save,
        name="evaluation_save",
    ),
    path("strategies/<slug:slug>/evaluation/done/", views.evaluation_done, name="evaluation_done"),
    path(
        "strategies/<slug:slug>/evaluation/reopen/",
        views.evaluation_reopen,
        name="evaluation_reopen",
    ),
]

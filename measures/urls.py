from django.urls import path

from measures import views

app_name = "measures"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("inequality/", views.inequality_meter, name="meter"),
    path("dashboard/areas/", views.area_dashboards, name="areas"),
    path("dashboard/areas/<str:code>/", views.area_dashboard, name="area"),
    path("dashboard/goal-statuses/", views.goal_statuses, name="goal_statuses"),
    path("dashboard/goals/<int:number>/", views.goal_dashboard, name="goal_dashboard"),
    path("dashboard/goals/<int:number>/progress/", views.goal_progress, name="goal_progress"),
    path(
        "dashboard/goals/<int:number>/metrics/<int:metric_id>/",
        views.goal_panel,
        name="goal_panel",
    ),
    path("metrics/", views.metric_list, name="metrics"),
    path("metrics/new/", views.metric_create, name="metric_create"),
    path("metrics/preview/", views.metric_preview, name="metric_preview"),
    path("metrics/goal/<int:goal_id>/", views.goal_metrics, name="goal_metrics"),
    path("metrics/means/<int:means_id>/", views.means_metrics, name="means_metrics"),
    path("metrics/<int:metric_id>/", views.metric_detail, name="metric"),
    path("metrics/<int:metric_id>/state/", views.metric_state, name="metric_state"),
    path(
        "metrics/<int:metric_id>/values.xlsx", views.metric_values_xlsx, name="metric_values_xlsx"
    ),
    path("metrics/<int:metric_id>/edit/", views.metric_update, name="metric_update"),
    path("metrics/<int:metric_id>/delete/", views.metric_delete, name="metric_delete"),
    path(
        "metrics/<int:metric_id>/values/new/",
        views.measurement_create,
        name="measurement_create",
    ),
    path(
        "metrics/<int:metric_id>/values/<int:measurement_id>/edit/",
        views.measurement_update,
        name="measurement_update",
    ),
    path(
        "metrics/<int:metric_id>/values/<int:measurement_id>/delete/",
        views.measurement_delete,
        name="measurement_delete",
    ),
]

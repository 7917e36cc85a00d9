from django.urls import path

from neighbourhoods import views

app_name = "neighbourhoods"

urlpatterns = [
    path("activities/", views.activity_list, name="activities"),
    path("activities/mine/", views.activity_mine, name="activities_mine"),
    path("activities/export.csv", views.activity_export_csv, name="activities_export_csv"),
    path("activities/export.xlsx", views.activity_export_xlsx, name="activities_export_xlsx"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("activities/<int:activity_id>/edit/", views.activity_update, name="activity_update"),
    path("activities/<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
]

urlpatterns += [
    path("signals/", views.signal_list, name="signals"),
    path("signals/new/", views.signal_create, name="signal_create"),
    path("signals/validate/", views.signal_validate, name="signal_validate"),
    path("signals/<int:signal_id>/", views.signal_detail, name="signal"),
    path("signals/<int:signal_id>/edit/", views.signal_update, name="signal_update"),
    path("signals/<int:signal_id>/delete/", views.signal_delete, name="signal_delete"),
    path("activities/validate/", views.activity_validate, name="activity_validate"),
    path("partners/", views.partner_list, name="partners"),
    path("partners/<int:partner_id>/", views.partner_detail, name="partner"),
    path("means/<int:means_id>/activities/", views.means_activities, name="means_activities"),
    path("inequality/method/", views.need_method, name="need_method"),
    path("activities/import/", views.activity_import, name="activity_import"),
    path(
        "activities/import/template.xlsx",
        views.activity_import_template,
        name="activity_import_template",
    ),
    path("activities/import/<int:batch_id>/", views.import_batch, name="import_batch"),
    path(
        "activities/import/<int:batch_id>/confirm/",
        views.import_batch_confirm,
        name="import_batch_confirm",
    ),
    path("activities/import/<int:batch_id>/undo/", views.import_batch_undo, name="import_undo"),
    path("reporting-periods/", views.reporting_periods, name="reporting_periods"),
    path(
        "reporting-periods/<int:period_id>/reopen/",
        views.reporting_period_reopen,
        name="reporting_period_reopen",
    ),
]

from django.urls import path

from neighbourhoods import views

app_name = "neighbourhoods"

urlpatterns = [
    path("activities/", views.activity_list, name="activities"),
    path("activities/mine/", views.activity_mine, name="activities_mine"),
    path("activities/new/", views.activity_create, name="activity_create"),
    path("activities/<int:activity_id>/", views.activity_detail, name="activity"),
    path("activities/<int:activity_id>/edit/", views.activity_update, name="activity_update"),
    path("activities/<int:activity_id>/delete/", views.activity_delete, name="activity_delete"),
]

from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("", views.strategy_house, name="strategy"),
    path("goals/<int:number>/", views.goal_detail, name="goal"),
    path("goals/<int:number>/means/<int:position>/", views.means_detail, name="means"),
    path(
        "goals/<int:number>/means/<int:position>/notes/",
        views.means_note_create,
        name="means_note_create",
    ),
    path("goals/<int:number>/means/<int:position>/edit/", views.means_update, name="means_update"),
    path("means/mine/", views.means_mine, name="means_mine"),
]

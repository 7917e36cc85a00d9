from django.urls import path

from goals import views

app_name = "goals"

urlpatterns = [
    path("", views.strategy_house, name="strategy"),
    path("goals/<int:number>/", views.goal_detail, name="goal"),
]

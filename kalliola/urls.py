from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kalliola import views
from kalliola.forms import AdminLoginForm, LoginForm

admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", include("goals.urls")),
    path("", include("neighbourhoods.urls")),
    path("", include("measures.urls")),
    path("", include("evaluation.urls")),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The language can be switched before logging in, too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("start/", views.start, name="start"),
    path("healthz/", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("admin/", admin.site.urls),
]

handler400 = "kalliola.views.bad_request"

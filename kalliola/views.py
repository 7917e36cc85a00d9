from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kalliola.roles import ADMIN, LEADERSHIP


@require_GET
@never_cache
@login_not_required
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for the container health check."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@login_not_required
def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers that ignore the page's <link rel="icon"> still ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 400 page. Django's own is wrapped in a CSRF check that reads the form body again,
    so a body that could not be read the first time (a charset other than UTF-8, too many
    fields) raised once more while its error was being answered, and became a 500."""
    return render(request, "400.html", status=400)


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """Where a login lands: leadership and administrators on the progress overview, everyone
    else on the strategy."""
    if request.user.groups.filter(name__in=[LEADERSHIP, ADMIN]).exists():
        return redirect("measures:dashboard")
    return redirect("goals:strategy")

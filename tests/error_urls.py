"""URLs for tests that need a page that fails: the project's, and one that raises."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from kalliola.urls import urlpatterns as project_urlpatterns


def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a failure for the error-report test")


urlpatterns = [path("test-failure/", fail), *project_urlpatterns]

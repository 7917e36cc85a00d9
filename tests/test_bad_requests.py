"""A request whose body cannot be read gets the project's 400 page, never a 500."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def csrf_client(path: str) -> tuple[Client, str]:
    """A client that sends the CSRF token as a browser's form would: the checks are on."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(path)
    return client, client.cookies[settings.CSRF_COOKIE_NAME].value


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (f"{FORM}; charset=utf-16", "username=a&password=b"),
        (f"{FORM}; charset=latin-1", "username=ä&password=b"),
        (FORM, "&".join(f"field{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))),
    ],
    ids=["utf-16", "latin-1", "too-many-fields"],
)
def test_an_unreadable_form_body_gets_the_400_page(path, content_type, body):
    client, token = csrf_client(path)

    response = client.post(path, body, content_type=content_type, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 400
    assert "Pyyntöä ei voitu lukea" in response.content.decode()


def test_the_400_page_speaks_the_chosen_language():
    client, token = csrf_client("/login/")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    response = client.post(
        "/login/", "a=b", content_type=f"{FORM}; charset=utf-16", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 400
    assert "Begäran kunde inte läsas" in response.content.decode()

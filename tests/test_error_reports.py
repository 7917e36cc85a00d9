"""An error report by mail never takes the request that failed down with it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_mail_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A server on this machine that accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        try:
            while True:
                accepted.append(server.accept()[0])
        except OSError:  # closed at the end of the test
            return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    server.close()
    thread.join(timeout=5)
    for connection in accepted:
        connection.close()


def test_a_failing_page_answers_500_although_the_mail_server_stays_silent(
    silent_mail_server, staff_user
):
    port, accepted = silent_mail_server
    mailers = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 1},
        }
    }
    client = Client(raise_request_exception=False)
    client.force_login(staff_user)

    with override_settings(
        DEBUG=False,
        ADMINS=["it@example.org"],
        MAILERS=mailers,
        ROOT_URLCONF="tests.error_urls",
    ):
        response = client.get("/test-failure/")

    assert response.status_code == 500
    assert "Jokin meni vikaan" in response.content.decode()
    assert len(accepted) == 1, "the error report was tried"


def test_the_mail_server_is_given_a_timeout_by_default():
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "print(json.dumps(settings.MAILERS['default']['OPTIONS']))\n"
    )
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "test-only",
        "EMAIL_HOST": "smtp.example.org",
        "DJANGO_SETTINGS_MODULE": "kalliola.settings",
    }
    environment.pop("EMAIL_TIMEOUT", None)

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=environment,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )

    assert json.loads(result.stdout.strip().splitlines()[-1])["timeout"] == 5

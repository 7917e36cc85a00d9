from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils.translation.reloader import translation_file_changed

from goals.models import Strategy
from goals.services import DEFAULT_STRATEGY_FILE, strategy_load_file
from kalliola.roles import ADMIN, LEADERSHIP, STAFF
from kalliola.translations import compile_catalogues
from tests.factories import UserFactory

# In CI every test must run: a skip (a missing service or browser) fails the run.
REQUIRE_ALL = os.environ.get("REQUIRE_ALL_TESTS", "").lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    # Hypothesis keeps what it learns of the source (and any example database) in .hypothesis
    # in the working directory; the tests leave the work tree as they found it.
    os.environ.setdefault(
        "HYPOTHESIS_STORAGE_DIRECTORY", str(Path(tempfile.gettempdir()) / "kalliola-hypothesis")
    )
    # Hashing passwords properly is slow on purpose; tests don't need that.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The interface tests read the Finnish and Swedish catalogues. Django has already started
    # (and may have read the catalogues, found nothing and kept that), so a catalogue compiled
    # here must also clear its cache, as the development server does when a .mo file changes.
    written = [
        path for locale_dir in settings.LOCALE_PATHS for path in compile_catalogues(locale_dir)
    ]
    if written:
        translation_file_changed(sender=None, file_path=written[0])


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if REQUIRE_ALL and skipped:
        terminalreporter.section("skipped tests are failures here (REQUIRE_ALL_TESTS)", red=True)
        for report in skipped:
            terminalreporter.write_line(f"{report.nodeid}: {report.longrepr[-1]}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if REQUIRE_ALL and reporter and reporter.stats.get("skipped") and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def strategy(db: None) -> Strategy:
    """The seed strategy 2023–2025, loaded from its data file as `make run` loads it."""
    loaded, _ = strategy_load_file(path=DEFAULT_STRATEGY_FILE)
    return loaded


@pytest.fixture
def staff_user(db: None) -> User:
    return UserFactory.create(username="staff-user", role=STAFF)


@pytest.fixture
def leadership_user(db: None) -> User:
    return UserFactory.create(username="leadership-user", role=LEADERSHIP)


@pytest.fixture
def admin_role_user(db: None) -> User:
    return UserFactory.create(username="admin-user", role=ADMIN)


@pytest.fixture
def client_for(db: None) -> Callable[[User], Client]:
    """A test client logged in as the given user."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make

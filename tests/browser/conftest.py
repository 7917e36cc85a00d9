"""Fixtures for the browser tests: Playwright driving Debian's Chromium against `live_server`.

Playwright's own browser download does not work on our machines, so the tests launch the
system Chromium (Debian's `chromium` package) or the one CHROMIUM_PATH points to.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.db import connections
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    ViewportSize,
    expect,
    sync_playwright,
)

from kalliola.roles import ADMIN, LEADERSHIP
from tests.factories.user import PASSWORD

CHROMIUM_PATH = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}

# How long expect() and page actions wait before failing; the live server answers locally.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def live_server(django_db_setup, live_server):
    """pytest-django's live server, started only once the test database exists.

    The server shares the test's connection to SQLite's in-memory test database only if that
    database already exists when the server starts; pytest-django's own fixture can start
    first (session fixtures are set up before the test's database). The server's request
    threads would then each open a connection of their own and leave it open (SQLite's
    in-memory connections ignore close()), which ends in ResourceWarnings, errors here.
    """
    return live_server


@pytest.fixture(scope="package")
def playwright(django_db_setup) -> Iterator[Playwright]:
    """Playwright, started for the browser tests and stopped after the last of them.

    Its sync API runs an asyncio event loop in the main thread for as long as it is started,
    which changes how Django sees that thread, so it is package-scoped rather than
    session-scoped: the rest of the test run gets a plain thread back.
    """
    if not CHROMIUM_PATH.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM_PATH}: install Debian's chromium package")
    # With Playwright's loop running, Django keeps the main thread's database connections
    # apart from those made before (they become "async" connections), so the test database
    # contents that pytest-django saved for serialized_rollback must be handed on to them.
    saved = {
        alias: getattr(connections[alias], "_test_serialized_contents")  # noqa: B009
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as p:
        # Django also sees the running loop as an async context and refuses ORM calls from
        # the tests and their fixtures (creating users, loading the strategy) with
        # SynchronousOnlyOperation, although they are plain synchronous code that never runs
        # inside a coroutine; so we tell Django to allow them, for as long as Playwright runs.
        # (Not for longer: `manage.py check --deploy` fails on the variable, and subprocesses
        # started by later tests would inherit it.)
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, contents in saved.items():
            setattr(connections[alias], "_test_serialized_contents", contents)  # noqa: B010
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM_PATH), headless=True, args=CHROMIUM_ARGS
    )
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """What went wrong in the browser while a test ran: console errors (a violation of the
    Content-Security-Policy is one), uncaught script errors, failed requests and responses
    with status 400 or more."""

    found: list[str] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.found.append(f"uncaught error: {error}"))
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.found.append(f"console error: {message.text} (at {message.location['url']})")

    def _on_request_failed(self, request: Request) -> None:
        # The browser cancels what is still loading (the icon, typically, which it fetches
        # after the load event) when the test moves on to the next page. A request the
        # server refuses is reported by its status, and one the CSP blocks by the console.
        if request.failure == "net::ERR_ABORTED":
            return
        self.found.append(f"request failed: {request.method} {request.url}: {request.failure}")

    def _on_response(self, response: Response) -> None:
        if response.status >= 400:
            self.found.append(f"HTTP {response.status}: {response.request.method} {response.url}")

    def assert_none(self, where: str) -> None:
        """Fail if anything went wrong since the previous call; `where` names the page.

        Waits for the pages' load event first, so that what the page's own stylesheets and
        scripts cause (and any violation of the Content-Security-Policy) is reported.
        """
        for page in self.pages:
            if not page.is_closed():
                page.wait_for_load_state("load")
        found, self.found = self.found, []
        assert not found, f"problems in the browser on {where}:\n" + "\n".join(found)


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser: Browser, live_server, page_problems: PageProblems) -> Iterator[Page]:
    """A page in a fresh browser context (no cookies), on the desktop viewport.

    The browser asks for Finnish first, like most of Kalliola's users; the language switch
    is what the tests use to change it.
    """
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="fi-FI", timezone_id="Europe/Helsinki"
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page_problems.watch(page)
    yield page
    context.close()
    # A safety net for problems on a page the test did not check explicitly.
    if page_problems.found:
        pytest.fail(
            "problems in the browser not checked by the test:\n" + "\n".join(page_problems.found)
        )


def log_in(page: Page, user: AbstractBaseUser, *, lands_on: str | None = None) -> None:
    """Log `user` in through the real login form and wait until the browser is on `lands_on`
    (by default where the user's role lands: the progress overview for leadership and
    administrators, the strategy for everyone else).

    Opens the login page first unless the browser is already on it (for instance after being
    sent there from a page that needs a login, or after switching the language).
    """
    if urlsplit(page.url).path != "/login/":
        page.goto("/login/")
    form = page.locator('form[action="/login/"]')
    form.locator("#id_username").fill(user.get_username())
    form.locator("#id_password").fill(PASSWORD)
    form.locator('button[type="submit"]').click()
    if lands_on is None:
        leads = user.groups.filter(name__in=[LEADERSHIP, ADMIN]).exists()  # type: ignore[attr-defined]
        lands_on = "/dashboard/" if leads else "/"
    expect(page).to_have_url(lands_on)


@pytest.fixture
def login() -> Callable[..., None]:
    """`login(page, user)` logs the user in through the login form (see `log_in`)."""
    return log_in

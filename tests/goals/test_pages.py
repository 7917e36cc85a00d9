from __future__ import annotations

import re
from html import escape

import factory
import pytest
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import MeansFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLE_FIXTURES = ["staff_user", "leadership_user", "admin_role_user"]


@pytest.fixture(params=ROLE_FIXTURES)
def role_user(request):
    return request.getfixturevalue(request.param)


def test_strategy_house__shows_the_house_to_every_role(strategy, role_user, client_for):
    response = client_for(role_user).get(reverse("goals:strategy"))

    assert response.status_code == 200
    assert strategy.vision_title in response.text
    assert strategy.mission_title in response.text
    for value in strategy.values.all():
        assert value.name in response.text
    for goal in strategy.goals.all():
        assert goal.title in response.text
        assert goal.focus_area in response.text
        assert reverse("goals:goal", args=[goal.number]) in response.text


def test_goal_page__shows_every_means_and_outcome(strategy, role_user, client_for):
    client = client_for(role_user)
    for goal in strategy.goals.all():
        response = client.get(reverse("goals:goal", args=[goal.number]))

        assert response.status_code == 200
        for paragraph in goal.description_paragraphs:
            assert paragraph in response.text
        for means in goal.means_set.all():
            assert means.text in response.text
        for outcome in goal.outcome_set.all():
            assert outcome.text in response.text


@pytest.mark.parametrize("number", [0, 5, 99])
def test_goal_page__answers_404_for_a_goal_that_does_not_exist(
    strategy, staff_user, client_for, number
):
    response = client_for(staff_user).get(f"/goals/{number}/")

    assert response.status_code == 404


@pytest.mark.parametrize("path", ["/goals/abc/", "/goals/-1/", "/goals/1/extra/", "/nope/"])
def test_pages__answer_404_not_500_for_malformed_addresses(strategy, staff_user, client_for, path):
    response = client_for(staff_user).get(path)

    assert response.status_code == 404


def test_strategy_house__says_so_when_no_strategy_is_active(staff_user, client_for):
    response = client_for(staff_user).get(reverse("goals:strategy"))

    assert response.status_code == 200
    with translation.override("fi"):
        assert translation.gettext("No active strategy") in response.text


@pytest.mark.parametrize("path", ["/", "/goals/1/"])
def test_pages__send_an_anonymous_visitor_to_the_login_page(strategy, path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={path}"


def test_pages__refuse_a_user_without_a_role(strategy, client_for):
    client = client_for(UserFactory())

    assert client.get("/").status_code == 403
    assert client.get("/goals/1/").status_code == 403


@pytest.mark.parametrize("path", ["/", "/goals/1/"])
def test_pages__refuse_post(strategy, staff_user, client_for, path):
    assert client_for(staff_user).post(path).status_code == 405


def test_strategy_house__query_count_does_not_grow_with_content(
    strategy, staff_user, client_for, django_assert_num_queries
):
    client = client_for(staff_user)
    client.get("/")  # warm the session
    with django_assert_num_queries(10) as before:
        client.get("/")
    for goal in strategy.goals.all():
        MeansFactory.create_batch(5, goal=goal, position=factory.Iterator(range(10, 15)))

    with django_assert_num_queries(len(before.captured_queries)):
        client.get("/")


def test_goal_page__query_count_does_not_grow_with_means(
    strategy, staff_user, client_for, django_assert_num_queries
):
    client = client_for(staff_user)
    client.get("/goals/2/")
    with django_assert_num_queries(8) as before:
        client.get("/goals/2/")
    MeansFactory.create_batch(
        20, goal=strategy.goals.get(number=2), position=factory.Iterator(range(10, 30))
    )

    with django_assert_num_queries(len(before.captured_queries)):
        client.get("/goals/2/")


def test_login__logs_in_and_lands_on_the_strategy_house(strategy, staff_user):
    client = Client()

    response = client.post(
        reverse("login"),
        {"username": "staff-user", "password": "correct-horse-battery-staple"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("goals:strategy")
    assert strategy.goals.get(number=1).title in response.text


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_login__wrong_password_shows_a_translated_error(staff_user, language):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    data = {"username": "staff-user", "password": "wrong"}

    response = client.post(reverse("login"), data)

    with translation.override(language):
        expected = AuthenticationForm().get_invalid_login_error().messages[0]
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.text
    assert escape(str(expected)) in response.text
    assert "_auth_user_id" not in client.session


def test_logout__logs_out_with_post(staff_user, client_for):
    client = client_for(staff_user)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_csrf_failure__shows_a_translated_page_and_logs_nobody_in(staff_user):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        reverse("login"), {"username": "staff-user", "password": "correct-horse-battery-staple"}
    )

    assert response.status_code == 403
    with translation.override("fi"):
        assert translation.gettext("The form expired") in response.text
    assert "_auth_user_id" not in client.session


def test_healthz__answers_without_login():
    response = Client().get("/healthz/")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_pages__have_no_inline_script_or_style(strategy, admin_role_user, client_for):
    client = client_for(admin_role_user)
    for path in ["/", "/goals/1/"]:
        html = client.get(path).text
        scripts = re.findall(r"<script\b[^>]*>", html)

        assert scripts, "htmx is loaded"
        assert all("src=" in tag for tag in scripts)
        assert not re.search(r"<style\b", html)
        assert not re.search(r"\sstyle=", html)
        assert not re.search(r"\son[a-z]+=", html)


def test_pages__send_a_strict_content_security_policy(strategy, staff_user, client_for):
    policy = client_for(staff_user).get("/")["Content-Security-Policy"]

    directives = dict(
        (part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip()
    )
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy


def test_goal_page__shows_swedish_content_where_it_exists_and_finnish_otherwise(
    strategy, staff_user, client_for
):
    goal = strategy.goals.get(number=1)
    goal.title_sv = "Kalliola är känd för att lösa ojämlikhet."
    goal.save(update_fields=["title_sv"])
    client = client_for(staff_user)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sv"

    response = client.get("/goals/1/")

    assert '<html lang="sv"' in response.text
    assert "Kalliola är känd för att lösa ojämlikhet." in response.text
    # No Swedish text yet: the Finnish original is shown.
    assert goal.means_set.get(position=1).text_fi in response.text


@pytest.mark.parametrize("browser_language", ["", "en-US,en;q=0.9", "sv-FI", "de"])
def test_language__finnish_is_the_default_whatever_the_browser_asks(
    strategy, staff_user, client_for, browser_language
):
    response = client_for(staff_user).get("/", headers={"accept-language": browser_language})

    assert '<html lang="fi"' in response.text


def test_language__an_unsupported_language_cookie_falls_back_to_finnish(
    strategy, staff_user, client_for
):
    client = client_for(staff_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"

    assert '<html lang="fi"' in client.get("/").text


@pytest.mark.parametrize("language", ["sv", "en"])
def test_language__switcher_sets_the_language_for_the_next_pages(
    strategy, staff_user, client_for, language
):
    client = client_for(staff_user)

    response = client.post(
        reverse("set_language"), {"language": language, "next": "/goals/2/"}, follow=True
    )

    assert response.redirect_chain[-1][0] == "/goals/2/"
    assert f'<html lang="{language}"' in response.text
    with translation.override(language):
        assert translation.gettext("Description of the goal") in response.text
    assert f'<html lang="{language}"' in client.get("/").text


def test_language__switcher_works_before_login():
    client = Client()

    response = client.post(
        reverse("set_language"), {"language": "sv", "next": "/login/"}, follow=True
    )

    assert response.status_code == 200
    assert '<html lang="sv"' in response.text


def test_language__switcher_ignores_an_unknown_language(strategy, staff_user, client_for):
    client = client_for(staff_user)

    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"}, follow=True)

    assert response.status_code == 200
    assert '<html lang="fi"' in response.text


def test_favicon__redirects_to_the_icon_without_login():
    response = Client().get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.conf import settings

from tests.factories.activity import ActivityFactory

pytestmark = pytest.mark.django_db

# 15:30 in Helsinki (UTC+2 in December).
LOGGED_AT = datetime.datetime(2026, 12, 4, 13, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("language", "logged"),
    [
        ("en", "on 4 Dec 2026, 15:30."),
        ("fi", "4.12.2026 15.30."),
        ("sv", "2026-12-04 15:30."),
    ],
)
def test_activity_page__a_sentence_that_ends_with_a_time_ends_with_one_full_stop(
    admin_role_user, client_for, language, logged
):
    with time_machine.travel(LOGGED_AT, tick=False):
        activity = ActivityFactory.create(created_by=admin_role_user)
    client = client_for(admin_role_user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    text = client.get(f"/activities/{activity.pk}/").content.decode()

    assert logged in text
    assert not re.search(r"\d\s?[ap]\.m\.\.", text)
    assert "p.m." not in text

"""The summary line of the metric form's preview, which stays in view where the preview is
below the form: the value of the last complete period, updated with every preview."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from goals.models import Strategy
from tests.factories.activity import ActivityFactory

pytestmark = pytest.mark.django_db

PREVIEW_URL = reverse("measures:metric_preview")
SUMMARY = re.compile(r'<p id="preview-summary"[^>]*>(.*?)</p>', re.DOTALL)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 6, 15, 9, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def form_data(strategy: Strategy) -> dict[str, Any]:
    return {
        "kind": "activity",
        "goal": strategy.goals.get(number=2).pk,
        "period": "quarter",
        "aggregation": "activities",
        "status": "",
    }


def summary(html: str) -> str:
    match = SUMMARY.search(html)
    assert match, "no summary in the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match[1])).strip()


def test_the_preview_sends_its_summary_out_of_band_with_the_last_complete_period(
    admin_role_user, client_for, form_data
):
    ActivityFactory.create_batch(2, date=datetime.date(2025, 2, 3))
    ActivityFactory.create(date=datetime.date(2025, 5, 3))  # this quarter, not complete

    response = client_for(admin_role_user).post(
        PREVIEW_URL, form_data, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    assert response.context["latest"] == ("2025 Q1", 2, True)
    assert '<p id="preview-summary" class="preview-summary" hx-swap-oob="true">' in response.text
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("%(period)s, the last complete period: %(value)s") % {
            "period": "2025 Q1",
            "value": 2,
        }
    assert summary(response.text).endswith(expected)
    assert response.text.count('id="preview-summary"') == 1


def test_the_preview_summary_asks_for_a_complete_definition(admin_role_user, client_for):
    response = client_for(admin_role_user).post(
        PREVIEW_URL, {"period": ""}, headers={"HX-Request": "true"}
    )

    assert response.context["rows"] is None
    assert 'id="preview-summary"' in response.text


def test_the_metric_form_has_its_summary_once_and_not_out_of_band(admin_role_user, client_for):
    response = client_for(admin_role_user).get(reverse("measures:metric_create"))

    assert response.text.count('id="preview-summary"') == 1
    assert 'hx-swap-oob="true"' not in response.text

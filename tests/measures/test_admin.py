"""The Django admin covers the metrics; versions are read only there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from measures.models import Metric
from tests.factories.metric import MeasurementFactory, MetricFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["metric", "metricversion", "measurement"])
def test_admin__lists_each_metrics_model(admin_role_user, client_for, model):
    MeasurementFactory.create()

    response = client_for(admin_role_user).get(reverse(f"admin:measures_{model}_changelist"))

    assert response.status_code == 200


def test_admin__a_version_cannot_be_changed_there(admin_role_user, client_for):
    metric = MetricFactory.create()
    url = reverse("admin:measures_metricversion_change", args=[metric.current_version_id])

    response = client_for(admin_role_user).post(url, {"period": "year"})

    metric.version.refresh_from_db()
    assert response.status_code == 403
    assert metric.version.period == "month"


def test_admin__a_metrics_kind_cannot_be_changed_there(admin_role_user, client_for, strategy):
    metric = MetricFactory.create(goal=strategy.goals.first())
    url = reverse("admin:measures_metric_change", args=[metric.pk])
    page = client_for(admin_role_user).get(url)

    assert page.status_code == 200
    assert 'name="kind"' not in page.text
    assert Metric.objects.get().kind == "activity"

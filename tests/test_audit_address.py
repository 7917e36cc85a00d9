"""The audit history records the client's address as far as the reverse proxies are trusted,
never an address the client wrote into X-Forwarded-For itself."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from neighbourhoods.models import Activity
from tests.factories.activity import ActivityFactory

pytestmark = pytest.mark.django_db


def delete_own_activity(client, staff_user, forwarded_for: str) -> LogEntry:
    activity = ActivityFactory.create(created_by=staff_user)
    client.post(
        reverse("neighbourhoods:activity_delete", args=[activity.pk]),
        headers={"x-forwarded-for": forwarded_for},
        REMOTE_ADDR="10.0.0.5",
    )
    assert not Activity.objects.filter(pk=activity.pk).exists()
    return LogEntry.objects.get(object_pk=str(activity.pk), action=LogEntry.Action.DELETE)


def test_a_forged_forwarded_for_is_not_recorded_without_a_trusted_proxy(
    settings, staff_user, client_for
):
    settings.TRUSTED_PROXY_COUNT = 0

    entry = delete_own_activity(client_for(staff_user), staff_user, "203.0.113.9")

    assert entry.remote_addr == "10.0.0.5"
    assert entry.remote_port is None


def test_behind_one_proxy_the_address_it_appended_is_recorded(settings, staff_user, client_for):
    settings.TRUSTED_PROXY_COUNT = 1

    entry = delete_own_activity(client_for(staff_user), staff_user, "203.0.113.9, 198.51.100.20")

    assert entry.remote_addr == "198.51.100.20"

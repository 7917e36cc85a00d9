"""Closed reporting periods: an admin closes 2025 with a reason, and from then on nothing dated
in it is created, changed or deleted, whichever way the write comes (the forms, the import,
the admin, the services); reopening with a reason lets the writes through again, and both acts
are in the history and on the page listing the periods.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kalliola.roles import STAFF
from measures import services as measure_services
from measures.models import Measurement, Metric, MetricValue, Period
from neighbourhoods import closing, services
from neighbourhoods.closing import PeriodClosed
from neighbourhoods.models import Activity, ClosedPeriod, ImportBatch, Signal
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory

pytestmark = pytest.mark.django_db

PERIODS_URL = reverse("neighbourhoods:reporting_periods")
IN_2025 = datetime.date(2025, 6, 10)
IN_2026 = datetime.date(2026, 2, 10)


@pytest.fixture
def admin(admin_role_user):
    admin_role_user.first_name, admin_role_user.last_name = "Anna", "Ylläpitäjä"
    admin_role_user.save()
    return admin_role_user


@pytest.fixture
def closed_2025(admin) -> ClosedPeriod:
    return closing.period_close(
        user=admin,
        first_day=datetime.date(2025, 1, 1),
        last_day=datetime.date(2025, 12, 31),
        reason="STEA:n vuosiraportti lähetetty 15.3.2026.",
    )


@pytest.fixture
def unit():
    return UnitFactory.create()


@pytest.fixture
def worker(unit):
    user = UserFactory.create(role=STAFF)
    unit.members.add(user)
    return user


@pytest.fixture
def english(client_for):
    def make(user):
        client = client_for(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return make


def activity_form(strategy, unit, day: datetime.date, **changes):
    goal = strategy.goals.get(number=1)
    return {
        "title": "Kerho",
        "status": "done",
        "date": day.isoformat(),
        "area": AreaFactory.create().pk,
        "type": ActivityTypeFactory.create().pk,
        "unit": unit.pk,
        "goals": [goal.pk],
        "participants_18_29": "4",
    } | changes


REFUSAL = "2025 is closed for reporting: Anna Ylläpitäjä closed it on"


# --- Closing and reopening ----------------------------------------------------------------------


def test_close__an_admin_closes_a_year_with_a_reason_and_the_page_lists_it(english, admin):
    client = english(admin)

    response = client.post(
        PERIODS_URL,
        {"first_month": "2025-01", "last_month": "2025-12", "reason": "Raportoitu hallitukselle."},
    )

    assert response.status_code == 302
    period = ClosedPeriod.objects.get()
    assert (period.first_day, period.last_day) == (
        datetime.date(2025, 1, 1),
        IN_2025.replace(month=12, day=31),
    )
    assert period.label == "2025"
    page = client.get(PERIODS_URL).content.decode()
    assert "Raportoitu hallitukselle." in page
    assert "Reopen" in page


def test_close__a_range_of_months_and_its_label(admin):
    period = closing.period_close(
        user=admin,
        first_day=datetime.date(2025, 11, 1),
        last_day=datetime.date(2026, 2, 28),
        reason="Hankkeen väliraportti.",
    )

    assert period.label == "11/2025–2/2026"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_month": "2025-12", "last_month": "2025-01", "reason": "x"}, "last_month"),
        ({"first_month": "2025-13", "last_month": "2025-12", "reason": "x"}, "first_month"),
        ({"first_month": "2025-01", "last_month": "2025-12", "reason": ""}, "reason"),
        (
            {"first_month": "2025-01", "last_month": "2025-12", "reason": "Soita 040 1234567"},
            "reason",
        ),
    ],
)
def test_close__a_bad_form_changes_nothing(english, admin, data, field):
    response = english(admin).post(PERIODS_URL, data)

    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not ClosedPeriod.objects.exists()


def test_close__a_period_overlapping_a_closed_one_is_refused(english, admin, closed_2025):
    response = english(admin).post(
        PERIODS_URL, {"first_month": "2025-12", "last_month": "2026-01", "reason": "Toinen."}
    )

    assert "2025 is closed already" in response.content.decode()
    assert ClosedPeriod.objects.count() == 1


def test_close__staff_see_the_periods_but_cannot_close_or_reopen(english, worker, closed_2025):
    client = english(worker)

    assert client.get(PERIODS_URL).status_code == 200
    response = client.post(
        PERIODS_URL, {"first_month": "2024-01", "last_month": "2024-12", "reason": "x"}
    )
    assert response.status_code == 403
    reopen = reverse("neighbourhoods:reporting_period_reopen", args=[closed_2025.pk])
    assert client.post(reopen, {"reason": "x"}).status_code == 403
    assert ClosedPeriod.objects.get().is_closed


def test_reopen__needs_a_reason_and_both_acts_are_in_the_history(english, admin, closed_2025):
    client = english(admin)
    url = reverse("neighbourhoods:reporting_period_reopen", args=[closed_2025.pk])

    assert client.post(url, {"reason": ""}).status_code == 200
    closed_2025.refresh_from_db()
    assert closed_2025.is_closed
    client.post(url, {"reason": "Virhe raportoiduissa luvuissa."})

    closed_2025.refresh_from_db()
    assert not closed_2025.is_closed
    assert closed_2025.reopened_by == admin
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ClosedPeriod), object_pk=closed_2025.pk
    ).order_by("timestamp")
    assert [entry.action for entry in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert "reopen_reason" in entries[1].changes_dict
    page = client.get(PERIODS_URL).content.decode()
    assert "Virhe raportoiduissa luvuissa." in page
    assert "STEA:n vuosiraportti" in page


# --- The write paths ----------------------------------------------------------------------------


def test_form__a_new_activity_dated_in_a_closed_period_is_refused(
    english, worker, strategy, unit, closed_2025
):
    response = english(worker).post(
        reverse("neighbourhoods:activity_create"), activity_form(strategy, unit, IN_2025)
    )

    assert response.status_code == 200
    assert REFUSAL in response.content.decode()
    assert not Activity.objects.exists()


def test_form__an_activity_in_a_closed_period_can_be_neither_edited_nor_moved_out(
    english, worker, strategy, unit, closed_2025
):
    activity = ActivityFactory.create(created_by=worker, unit=unit, date=IN_2025)
    client = english(worker)
    url = reverse("neighbourhoods:activity_update", args=[activity.pk])

    for day in (IN_2025, IN_2026):
        data = activity_form(strategy, unit, day, version=activity.version)
        response = client.post(url, data)
        assert REFUSAL in response.content.decode()
    activity.refresh_from_db()
    assert (activity.date, activity.version) == (IN_2025, 1)
    detail = client.get(reverse("neighbourhoods:activity", args=[activity.pk])).content.decode()
    assert REFUSAL in detail
    assert url not in detail  # no edit link


def test_form__an_activity_cannot_be_moved_into_a_closed_period(
    english, worker, strategy, unit, closed_2025
):
    activity = ActivityFactory.create(created_by=worker, unit=unit, date=IN_2026)

    response = english(worker).post(
        reverse("neighbourhoods:activity_update", args=[activity.pk]),
        activity_form(strategy, unit, IN_2025, version=activity.version),
    )

    assert REFUSAL in response.content.decode()
    activity.refresh_from_db()
    assert activity.date == IN_2026


def test_form__deleting_an_activity_in_a_closed_period_is_refused(
    english, worker, unit, closed_2025
):
    activity = ActivityFactory.create(created_by=worker, unit=unit, date=IN_2025)

    response = english(worker).post(
        reverse("neighbourhoods:activity_delete", args=[activity.pk]), follow=True
    )

    assert REFUSAL in response.content.decode()
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_form__signals_in_a_closed_period_are_refused(english, worker, unit, closed_2025):
    client = english(worker)
    signal = SignalFactory.create(created_by=worker, unit=unit, date=IN_2025)
    data = {
        "date": IN_2025.isoformat(),
        "area": signal.area_id,
        "text": "Nuoret kertoivat, ettei iltaisin ole paikkaa mihin mennä.",
        "raised_by": "resident",
        "urgency": "medium",
        "unit": unit.pk,
    }

    created = client.post(reverse("neighbourhoods:signal_create"), data)
    edited = client.post(reverse("neighbourhoods:signal_update", args=[signal.pk]), data)
    deleted = client.post(reverse("neighbourhoods:signal_delete", args=[signal.pk]), follow=True)

    for response in (created, edited, deleted):
        assert REFUSAL in response.content.decode()
    assert list(Signal.objects.all()) == [signal]


def test_form__manual_metric_values_of_a_closed_period_are_refused(
    english, leadership_user, closed_2025
):
    measurement = MeasurementFactory.create(period_start=datetime.date(2025, 1, 1))
    metric = measurement.metric
    client = english(leadership_user)
    data = {"period_start": "2025-01-01", "value": "5", "source": "Kysely", "note": ""}

    edited = client.post(
        reverse("measures:measurement_update", args=[metric.pk, measurement.pk]), data
    )
    deleted = client.post(
        reverse("measures:measurement_delete", args=[metric.pk, measurement.pk]), follow=True
    )

    for response in (edited, deleted):
        assert REFUSAL in response.content.decode()
    measurement.refresh_from_db()
    assert measurement.value == Decimal(1)


def test_import__rows_dated_in_a_closed_period_are_errors(english, worker, strategy, closed_2025):
    AreaFactory.create(name_fi="Kallio")
    ActivityTypeFactory.create(name_fi="Kerho")
    workbook = openpyxl.Workbook()
    workbook.active.append(["Title", "Date", "Area", "Type", "Strategic goals"])
    workbook.active.append(["Kerho", "10.6.2025", "Kallio", "Kerho", "1"])
    workbook.active.append(["Kerho", "10.2.2026", "Kallio", "Kerho", "1"])
    content = io.BytesIO()
    workbook.save(content)

    english(worker).post(
        reverse("neighbourhoods:activity_import"),
        {"file": SimpleUploadedFile("a.xlsx", content.getvalue())},
    )

    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "Date")]
    assert batch.errors[0]["message"].startswith(REFUSAL)
    assert not Activity.objects.exists()


def test_admin__deleting_an_activity_or_a_value_of_a_closed_period_is_refused(
    english, admin, closed_2025
):
    activity = ActivityFactory.create(date=IN_2025)
    measurement = MeasurementFactory.create(period_start=datetime.date(2025, 1, 1))
    client = english(admin)

    for obj, name in ((activity, "activity"), (measurement, "measurement")):
        app = obj._meta.app_label
        url = reverse(f"admin:{app}_{name}_delete", args=[obj.pk])
        assert REFUSAL in client.get(url).content.decode()
        client.post(url, {"post": "yes"})
        assert type(obj).objects.filter(pk=obj.pk).exists()
    changelist = reverse("admin:neighbourhoods_activity_changelist")
    client.post(
        changelist, {"action": "delete_selected", "_selected_action": [activity.pk], "post": "yes"}
    )
    assert Activity.objects.filter(pk=activity.pk).exists()


def test_admin__changing_a_value_of_a_closed_period_is_refused(english, admin, closed_2025):
    measurement = MeasurementFactory.create(period_start=datetime.date(2025, 1, 1))
    url = reverse("admin:measures_measurement_change", args=[measurement.pk])

    response = english(admin).post(
        url,
        {
            "metric": measurement.metric_id,
            "period_start": "2025-01-01",
            "value": "7",
            "source": "Kysely",
            "note": "",
        },
    )

    assert REFUSAL in response.content.decode()
    measurement.refresh_from_db()
    assert measurement.value == Decimal(1)


def test_services__refuse_every_write_in_a_closed_period(worker, strategy, unit, closed_2025):
    activity = ActivityFactory.create(created_by=worker, unit=unit, date=IN_2025)
    signal = SignalFactory.create(created_by=worker, unit=unit, date=IN_2025)
    data = {
        "title": "Kerho",
        "date": IN_2025,
        "area": activity.area,
        "type": activity.type,
        "unit": unit,
        "goals": list(strategy.goals.filter(number=1)),
    }

    with pytest.raises(ValidationError):
        services.activity_create(user=worker, data=data)
    with pytest.raises(ValidationError):
        services.activity_update(
            activity_id=activity.pk, data={"date": IN_2026}, expected_version=1
        )
    with pytest.raises(PeriodClosed):
        services.activity_delete(activity=activity)
    with pytest.raises(ValidationError):
        services.signal_update(signal=signal, data={"urgency": "high"})
    with pytest.raises(PeriodClosed):
        services.signal_delete(signal=signal)
    measurement = MeasurementFactory.create(period_start=datetime.date(2025, 1, 1))
    with pytest.raises(ValidationError):
        measure_services.measurement_save(
            user=worker,
            metric=measurement.metric,
            data={"period_start": measurement.period_start, "value": 3, "source": "x", "note": ""},
            measurement=measurement,
        )
    with pytest.raises(PeriodClosed):
        measure_services.measurement_delete(measurement=measurement)
    assert Activity.objects.count() == 1
    assert Signal.objects.count() == 1


def test_services__a_quarter_overlapping_a_closed_month_is_refused(admin, leadership_user):
    closing.period_close(
        user=admin,
        first_day=datetime.date(2026, 1, 1),
        last_day=datetime.date(2026, 1, 31),
        reason="Tammikuun raportti.",
    )
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.QUARTER, definition={})

    with pytest.raises(ValidationError, match="1/2026 is closed"):
        measure_services.measurement_save(
            user=leadership_user,
            metric=metric,
            data={"period_start": datetime.date(2026, 1, 1), "value": 3, "source": "x", "note": ""},
            measurement=None,
        )


def test_reopening__lets_every_write_through_again(
    english, admin, worker, strategy, unit, closed_2025
):
    closing.period_reopen(user=admin, period_id=closed_2025.pk, reason="Korjaus.")
    client = english(worker)

    response = client.post(
        reverse("neighbourhoods:activity_create"), activity_form(strategy, unit, IN_2025)
    )

    assert response.status_code == 302
    activity = Activity.objects.get()
    client.post(reverse("neighbourhoods:activity_delete", args=[activity.pk]))
    assert not Activity.objects.exists()


def test_recompute__still_updates_the_values_of_a_closed_period(worker, strategy, unit, admin):
    metric = MetricFactory.create(goal=strategy.goals.get(number=1), period=Period.YEAR)
    ActivityFactory.create(unit=unit, date=IN_2025, goals=[metric.goal])
    measure_services.recompute_all()
    closing.period_close(
        user=admin,
        first_day=IN_2025.replace(month=1, day=1),
        last_day=IN_2025.replace(month=12, day=31),
        reason="x",
    )

    # A definition changed after the closing (a new version) computes 2025 again.
    metric, changed = measure_services.metric_save(
        user=admin,
        metric=metric,
        data={},
        period=Period.YEAR,
        definition={"aggregation": "participants"},
        targets={},
    )
    measure_services.recompute_all()

    assert changed
    value = MetricValue.objects.get(
        version=metric.current_version, period_start=IN_2025.replace(month=1, day=1), area=None
    )
    assert value.value == 10  # 8 + 2 participants, the factory's counts


def test_measurement_in_an_open_period_is_still_saved(leadership_user, closed_2025):
    metric = MetricFactory.create(kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={})

    saved = measure_services.measurement_save(
        user=leadership_user,
        metric=metric,
        data={"period_start": datetime.date(2026, 1, 1), "value": 3, "source": "x", "note": ""},
        measurement=None,
    )

    assert Measurement.objects.get() == saved

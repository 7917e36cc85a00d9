"""Signals: what staff heard in the field, logged from the same quick flow as activities."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from auditlog.models import LogEntry
from django.test import Client
from django.urls import reverse
from django.utils import translation

from goals.models import Strategy
from neighbourhoods.models import Area, Signal
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def area() -> Area:
    return AreaFactory.create(name_fi="Jakomäki", level=Area.Level.SUB_DISTRICT)


@pytest.fixture
def unit(staff_user, admin_role_user):
    unit = UnitFactory.create(name_fi="Jakomäen asukastalo")
    unit.members.add(staff_user)
    return unit


@pytest.fixture
def form_data(strategy: Strategy, area, unit) -> dict[str, Any]:
    return {
        "date": "2025-03-11",
        "area": area.pk,
        "text": "Moni perhe kertoi, ettei lapsille löydy harrastusta, johon olisi varaa.",
        "themes": [strategy.inequalitythemes.get(position=1).pk],
        "raised_by": "resident",
        "urgency": "high",
        "unit": unit.pk,
    }


def post_new(client: Client, data: dict[str, Any]):
    return client.post(reverse("neighbourhoods:signal_create"), data)


def test_signal_create__saves_a_valid_signal_and_records_who(staff_user, client_for, form_data):
    response = post_new(client_for(staff_user), form_data)

    signal = Signal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("neighbourhoods:signal", args=[signal.pk])
    assert signal.created_by == staff_user
    assert signal.urgency == "high"
    assert signal.themes.count() == 1
    created = LogEntry.objects.get_for_object(signal).get(action=LogEntry.Action.CREATE)
    assert created.actor == staff_user


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"text": "Hänen hetunsa on 131052-308T."}, "text"),
        ({"text": "Soita numeroon +358 40 123 4567."}, "text"),
        ({"text": "Kirjoita osoitteeseen nimi@example.com."}, "text"),
        ({"date": "2025-03-13"}, "date"),
        ({"date": "12.3.2025x"}, "date"),
        ({"area": ""}, "area"),
        ({"area": "999999"}, "area"),
        ({"raised_by": "mayor"}, "raised_by"),
        ({"urgency": "panic"}, "urgency"),
        ({"themes": ["abc"]}, "themes"),
        ({"activity": "999999"}, "activity"),
    ],
)
def test_signal_create__refuses_bad_input_and_saves_nothing(
    staff_user, client_for, form_data, change, field
):
    response = post_new(client_for(staff_user), form_data | change)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Signal.objects.count() == 0
    assert 'id="error-summary"' in response.text


def test_signal_create__refuses_a_unit_the_user_does_not_belong_to(
    staff_user, client_for, form_data
):
    other_unit = UnitFactory.create(name_fi="Muu yksikkö")

    response = post_new(client_for(staff_user), form_data | {"unit": other_unit.pk})

    assert "unit" in response.context["form"].errors
    assert Signal.objects.count() == 0


def test_signal_create__cannot_link_someone_elses_activity(staff_user, client_for, form_data):
    theirs = ActivityFactory.create(created_by=UserFactory(role="staff"))

    response = post_new(client_for(staff_user), form_data | {"activity": theirs.pk})

    assert "activity" in response.context["form"].errors
    assert Signal.objects.count() == 0


def test_signal_form__starts_from_the_activity_it_was_heard_at(
    staff_user, client_for, strategy, area, unit
):
    theme = strategy.inequalitythemes.get(position=3)
    activity = ActivityFactory.create(
        created_by=staff_user,
        area=area,
        unit=unit,
        date=datetime.date(2025, 3, 1),
        themes=[theme],
        heard="Vuokrat nousevat, moni miettii muuttoa.",
    )

    response = client_for(staff_user).get(
        reverse("neighbourhoods:signal_create"), {"activity": activity.pk}
    )

    form = response.context["form"]
    assert form["activity"].value() == activity.pk
    assert form["area"].value() == area.pk
    assert form["unit"].value() == unit.pk
    assert form["date"].value() == datetime.date(2025, 3, 1)
    assert form["text"].value() == "Vuokrat nousevat, moni miettii muuttoa."
    assert list(form["themes"].value()) == [theme.pk]


def test_signal_create__links_the_activity(staff_user, client_for, form_data, unit):
    activity = ActivityFactory.create(created_by=staff_user, unit=unit)

    post_new(client_for(staff_user), form_data | {"activity": activity.pk})

    assert Signal.objects.get().activity == activity


@pytest.mark.parametrize("activity", ["abc", "999999"])
def test_signal_form__warns_about_an_activity_that_does_not_exist(staff_user, client_for, activity):
    response = client_for(staff_user).get(
        reverse("neighbourhoods:signal_create"), {"activity": activity}
    )

    assert response.status_code == 200
    assert response.context["form"]["activity"].value() is None
    with translation.override("fi"):  # the default language of the pages
        expected = translation.gettext("The activity to link was not found.")
    assert expected in [str(m) for m in response.context["messages"]]


def test_activity_detail__offers_to_log_a_signal_heard_there(staff_user, client_for, unit):
    activity = ActivityFactory.create(created_by=staff_user, unit=unit)

    response = client_for(staff_user).get(reverse("neighbourhoods:activity", args=[activity.pk]))

    assert f"{reverse('neighbourhoods:signal_create')}?activity={activity.pk}" in response.text


# --- Who may do what ----------------------------------------------------------------------


@pytest.fixture
def own_and_other(staff_user, unit):
    own = SignalFactory.create(created_by=staff_user, unit=unit, text="Oma havainto")
    other = SignalFactory.create(
        created_by=UserFactory(role="staff"), unit=unit, text="Toisen havainto"
    )
    return own, other


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        # What a role gets for: its own signal, someone else's.
        ("staff_user", 200, 404),
        ("leadership_user", 200, 200),
        ("admin_role_user", 200, 200),
    ],
)
def test_signal_detail__is_visible_to_the_right_roles(
    request, client_for, own_and_other, role, own, other
):
    user = request.getfixturevalue(role)
    mine, theirs = own_and_other
    mine.created_by = user
    mine.save()
    client = client_for(user)

    assert client.get(reverse("neighbourhoods:signal", args=[mine.pk])).status_code == own
    assert client.get(reverse("neighbourhoods:signal", args=[theirs.pk])).status_code == other


@pytest.mark.parametrize(
    ("role", "own", "other"),
    [
        ("staff_user", 200, 404),
        ("leadership_user", 403, 403),
        ("admin_role_user", 200, 200),
    ],
)
@pytest.mark.parametrize("view", ["signal_update", "signal_delete"])
def test_signal_edit_and_delete__are_allowed_to_the_right_roles(
    request, client_for, own_and_other, role, own, other, view
):
    user = request.getfixturevalue(role)
    mine, theirs = own_and_other
    mine.created_by = user
    mine.save()
    client = client_for(user)

    assert client.get(reverse(f"neighbourhoods:{view}", args=[mine.pk])).status_code == own
    assert client.get(reverse(f"neighbourhoods:{view}", args=[theirs.pk])).status_code == other


@pytest.mark.parametrize(
    ("role", "status"),
    [("staff_user", 200), ("leadership_user", 403), ("admin_role_user", 200)],
)
@pytest.mark.parametrize("view", ["signal_create"])
def test_signal_create__is_allowed_to_staff_and_admins(request, client_for, role, status, view):
    client = client_for(request.getfixturevalue(role))

    assert client.get(reverse(f"neighbourhoods:{view}")).status_code == status


def test_signal_create__is_refused_to_leadership_on_post(leadership_user, client_for, form_data):
    response = post_new(client_for(leadership_user), form_data)

    assert response.status_code == 403
    assert Signal.objects.count() == 0


def test_signal_update__by_someone_else_changes_nothing(
    staff_user, client_for, own_and_other, form_data
):
    _, theirs = own_and_other

    response = client_for(staff_user).post(
        reverse("neighbourhoods:signal_update", args=[theirs.pk]), form_data
    )

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.text == "Toisen havainto"


def test_signal_update__saves_ones_own_and_records_the_change(
    staff_user, leadership_user, client_for, own_and_other, form_data
):
    mine, _ = own_and_other

    response = client_for(staff_user).post(
        reverse("neighbourhoods:signal_update", args=[mine.pk]), form_data | {"urgency": "low"}
    )

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.urgency == "low"
    page = client_for(leadership_user).get(reverse("neighbourhoods:signal", args=[mine.pk]))
    history = list(page.context["history"])
    assert history[0].action == LogEntry.Action.UPDATE
    assert history[0].actor == staff_user
    assert "Oma havainto" in page.text  # the old text, in the history


def test_signal_delete__by_someone_else_deletes_nothing(staff_user, client_for, own_and_other):
    _, theirs = own_and_other

    response = client_for(staff_user).post(
        reverse("neighbourhoods:signal_delete", args=[theirs.pk])
    )

    assert response.status_code == 404
    assert Signal.objects.filter(pk=theirs.pk).exists()


def test_signal_delete__deletes_ones_own_and_records_it(staff_user, client_for, own_and_other):
    mine, _ = own_and_other

    response = client_for(staff_user).post(reverse("neighbourhoods:signal_delete", args=[mine.pk]))

    assert response.status_code == 302
    assert not Signal.objects.filter(pk=mine.pk).exists()
    assert LogEntry.objects.filter(
        object_pk=str(mine.pk), action=LogEntry.Action.DELETE, actor=staff_user
    ).exists()


def test_signal_detail__hides_the_history_from_staff(staff_user, client_for, own_and_other):
    mine, _ = own_and_other

    response = client_for(staff_user).get(reverse("neighbourhoods:signal", args=[mine.pk]))

    assert response.context["history"] is None
    assert 'id="history-title"' not in response.text


@pytest.mark.parametrize(
    "path", ["/signals/", "/signals/new/", "/signals/1/", "/signals/1/edit/", "/partners/"]
)
def test_signal_pages__send_anonymous_visitors_to_login(path):
    response = Client().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The list ------------------------------------------------------------------------------


def test_signal_list__shows_staff_only_their_own(staff_user, client_for, own_and_other):
    response = client_for(staff_user).get(reverse("neighbourhoods:signals"))

    assert "Oma havainto" in response.text
    assert "Toisen havainto" not in response.text


def test_signal_list__shows_leadership_everything(leadership_user, client_for, own_and_other):
    response = client_for(leadership_user).get(reverse("neighbourhoods:signals"))

    assert "Oma havainto" in response.text
    assert "Toisen havainto" in response.text


def test_signal_list__filters_by_basic_district_including_its_sub_districts(
    leadership_user, client_for, strategy
):
    kallio = AreaFactory.create(name_fi="Kallio", level=Area.Level.BASIC_DISTRICT)
    harju = AreaFactory.create(name_fi="Harju", parent=kallio)
    elsewhere = AreaFactory.create(name_fi="Kontula")
    SignalFactory.create(area=kallio, text="Kalliossa kuultu")
    SignalFactory.create(area=harju, text="Harjussa kuultu")
    SignalFactory.create(area=elsewhere, text="Kontulassa kuultu")

    response = client_for(leadership_user).get(
        reverse("neighbourhoods:signals"), {"area": kallio.pk}
    )

    assert {s.text for s in response.context["page"]} == {"Kalliossa kuultu", "Harjussa kuultu"}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"urgency": "high"}, {"kiire"}),
        ({"raised_by": "partner"}, {"kumppani"}),
        ({"q": "KIIRE"}, {"kiire"}),
        ({"date_from": "2025-02-01", "date_to": "2025-02-28"}, {"kumppani"}),
        ({"theme": "first"}, {"kiire"}),
    ],
)
def test_signal_list__filters(leadership_user, client_for, strategy, filters, expected):
    theme = strategy.inequalitythemes.get(position=1)
    SignalFactory.create(
        text="kiire", urgency="high", date=datetime.date(2025, 3, 1), themes=[theme]
    )
    SignalFactory.create(text="kumppani", raised_by="partner", date=datetime.date(2025, 2, 1))
    if filters.get("theme") == "first":
        filters = {"theme": theme.pk}

    response = client_for(leadership_user).get(reverse("neighbourhoods:signals"), filters)

    assert {s.text for s in response.context["page"]} == expected


@pytest.mark.parametrize(
    "filters",
    [
        {"date_from": "not a date"},
        {"date_from": "2025-03-01", "date_to": "2025-02-01"},
        {"area": "abc"},
        {"urgency": "panic"},
        {"page": "999"},
    ],
)
def test_signal_list__bad_filters_show_an_error_not_a_crash(leadership_user, client_for, filters):
    SignalFactory.create(text="kiire")

    response = client_for(leadership_user).get(reverse("neighbourhoods:signals"), filters)

    assert response.status_code == 200
    if "page" not in filters:
        assert response.context["filters"].errors
        assert 'class="form-errors"' in response.text


def test_signal_list__htmx_request_renders_only_the_results(leadership_user, client_for):
    SignalFactory.create(text="kiire")

    response = client_for(leadership_user).get(
        reverse("neighbourhoods:signals"), {"urgency": "medium"}, headers={"HX-Request": "true"}
    )

    assert response.text.lstrip().startswith('<section id="results"')
    assert "kiire" in response.text


def test_signal_list__query_count_does_not_grow_with_rows(
    leadership_user, client_for, strategy, django_assert_num_queries
):
    themes = list(strategy.inequalitythemes.all()[:2])
    SignalFactory.create_batch(2, themes=themes)
    client = client_for(leadership_user)
    client.get(reverse("neighbourhoods:signals"))
    with django_assert_num_queries(10) as few:
        client.get(reverse("neighbourhoods:signals"))
    SignalFactory.create_batch(20, themes=themes)

    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("neighbourhoods:signals"))


def test_signal_detail__query_count_is_pinned(
    leadership_user, client_for, strategy, django_assert_num_queries
):
    signal = SignalFactory.create(themes=list(strategy.inequalitythemes.all()))
    client = client_for(leadership_user)
    client.get(reverse("neighbourhoods:signal", args=[signal.pk]))

    with django_assert_num_queries(8):
        client.get(reverse("neighbourhoods:signal", args=[signal.pk]))


# --- The radio lists ----------------------------------------------------------------------


def radio_inputs(html: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}"[^>]*>', html)


def test_signal_form__raised_by_has_no_blank_choice_and_none_ticked(staff_user, client_for, unit):
    response = client_for(staff_user).get(reverse("neighbourhoods:signal_create"))

    raised_by = radio_inputs(response.text, "raised_by")
    assert len(raised_by) == len(Signal.RaisedBy.choices)
    assert not [radio for radio in raised_by if 'value=""' in radio]
    assert not [radio for radio in raised_by if "checked" in radio]


def test_signal_form__urgency_starts_from_its_default(staff_user, client_for, unit):
    response = client_for(staff_user).get(reverse("neighbourhoods:signal_create"))

    urgency = radio_inputs(response.text, "urgency")
    assert len(urgency) == len(Signal.Urgency.choices)
    assert [radio for radio in urgency if "checked" in radio] == [
        next(radio for radio in urgency if 'value="medium"' in radio)
    ]


def test_signal_form__finnish_page_has_no_english_blank_choice(staff_user, client_for, unit):
    response = client_for(staff_user).get(reverse("neighbourhoods:signal_create"))

    assert 'lang="fi"' in response.text
    assert "Select an option" not in response.text


def test_signal_create__saves_with_the_required_values_only(staff_user, client_for, area, unit):
    response = post_new(
        client_for(staff_user),
        {
            "date": "2025-03-11",
            "area": area.pk,
            "text": "Nuorisotalo on kiinni iltaisin.",
            "raised_by": "staff",
            "urgency": "medium",
            "unit": unit.pk,
        },
    )

    assert response.status_code == 302
    assert Signal.objects.get().raised_by == Signal.RaisedBy.STAFF


def test_signal_create__without_who_raised_it_says_so_in_finnish(staff_user, client_for, form_data):
    response = post_new(client_for(staff_user), form_data | {"raised_by": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["raised_by"] == ["Tämä kenttä vaaditaan."]
    assert not Signal.objects.exists()


@pytest.mark.parametrize("activity", ["1.0", "1e3", "[1]", "²", "١", "99999999999999999999", " 7"])
def test_signal_create__a_malformed_activity_id_is_refused_without_an_error_page(
    staff_user, client_for, form_data, activity
):
    client = client_for(staff_user)

    posted = post_new(client, form_data | {"activity": activity})
    opened = client.get(reverse("neighbourhoods:signal_create"), {"activity": activity})

    assert posted.status_code == 200
    assert "activity" in posted.context["form"].errors
    assert not Signal.objects.exists()
    assert opened.status_code == 200


@pytest.mark.parametrize("copy", ["1.0", "²", "99999999999999999999"])
def test_activity_form__a_malformed_copy_id_is_ignored(staff_user, client_for, copy):
    response = client_for(staff_user).get(reverse("neighbourhoods:activity_create"), {"copy": copy})

    assert response.status_code == 200

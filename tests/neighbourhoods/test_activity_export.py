from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from openpyxl import load_workbook

from neighbourhoods import exports
from neighbourhoods.models import Area
from tests.factories import UserFactory
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.partner import PartnerFactory
from tests.factories.project import ProjectFactory

pytestmark = pytest.mark.django_db

CSV_URL = reverse("neighbourhoods:activities_export_csv")
XLSX_URL = reverse("neighbourhoods:activities_export_xlsx")
LIST_URL = reverse("neighbourhoods:activities")

HEADER = [
    "ID",
    "Date",
    "End date",
    "Status",
    "Title",
    "Area",
    "Basic district",
    "Type",
    "Unit",
    "Project",
    "Strategic goals",
    "Means",
    "Inequality themes",
    "Partners",
    "Organisers",
    "Participants aged 0–12",
    "Participants aged 13–17",
    "Participants aged 18–29",
    "Participants aged 30–64",
    "Participants aged 65+",
    "Participants of unknown age",
    "Participants in all",
    "New participants",
    "Volunteers",
    "Volunteer hours",
    "Description",
    "What we heard",
    "Created at",
]

# 12:00 UTC is 14:00 in Helsinki in March.
NOW = datetime.datetime(2025, 3, 12, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def mellunkyla():
    return AreaFactory.create(name_fi="Mellunkylä", level=Area.Level.BASIC_DISTRICT)


@pytest.fixture
def activities(strategy, mellunkyla):
    kontula = AreaFactory.create(name_fi="Kontula", parent=mellunkyla)
    kallio = AreaFactory.create(name_fi="Kallio", level=Area.Level.BASIC_DISTRICT)
    goal1, goal3 = strategy.goals.get(number=1), strategy.goals.get(number=3)
    organiser = UserFactory.create(username="organiser", first_name="Aino", last_name="Aaltonen")
    in_kontula = ActivityFactory.create(
        title="Kontulan ilta",
        area=kontula,
        goals=[goal3, goal1],
        means=[goal3.means_set.get(position=1), goal1.means_set.get(position=2)],
        themes=[strategy.inequalitythemes.get(position=2)],
        partners=[PartnerFactory.create(name="Kontulan seurakunta")],
        project=ProjectFactory.create(name="Nuorten ilta"),
        date=datetime.date(2024, 3, 1),
        end_date=datetime.date(2024, 3, 2),
        participants_0_12=4,
        participants_13_17=10,
        participants_65_plus=1,
        new_participants=5,
        volunteers=2,
        volunteer_hours=Decimal("3.5"),
        description="Pelejä ja mehua, äänestys seuraavasta illasta.",
        heard="Nuoret kaipaavat paikkaa.",
    )
    nameless = UserFactory.create(username="zz-nameless", first_name="", last_name="")
    in_kontula.organisers.set([organiser, nameless])
    return {
        "in_kontula": in_kontula,
        "in_mellunkyla": ActivityFactory.create(
            title="Mellunkylän päivä",
            area=mellunkyla,
            goals=[goal1],
            date=datetime.date(2024, 5, 1),
        ),
        "in_kallio": ActivityFactory.create(
            title="Kallion kahvila", area=kallio, goals=[goal1], date=datetime.date(2024, 9, 1)
        ),
    }


def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(body(response)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def xlsx_cells(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(body(response)))
    return [list(row) for row in workbook.active.iter_rows()]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body(response).decode("utf-8-sig"))))


def ids_of(rows: list[list]) -> list[int]:
    return [int(row[0]) for row in rows[1:]]


def test_export_xlsx__holds_exactly_the_filtered_rows_under_the_header(
    leadership_user, client_for, activities, mellunkyla
):
    response = english(client_for(leadership_user)).get(XLSX_URL, {"area": mellunkyla.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="activities-2025-03-12.xlsx"'
    rows = xlsx_rows(response)
    assert rows[0] == HEADER
    # In the list's order: the latest first.
    assert ids_of(rows) == [activities["in_mellunkyla"].pk, activities["in_kontula"].pk]


def test_export_xlsx__writes_a_rows_values_with_dates_as_dates_and_counts_as_numbers(
    leadership_user, client_for, activities
):
    activity = activities["in_kontula"]

    response = english(client_for(leadership_user)).get(XLSX_URL, {"q": "Kontulan ilta"})

    header, row = xlsx_cells(response)
    values = {heading.value: cell.value for heading, cell in zip(header, row, strict=True)}
    assert values == {
        "ID": activity.pk,
        "Date": datetime.datetime(2024, 3, 1),
        "End date": datetime.datetime(2024, 3, 2),
        "Status": "Done",
        "Title": "Kontulan ilta",
        "Area": "Kontula",
        "Basic district": "Mellunkylä",
        "Type": activity.type.name,
        "Unit": activity.unit.name,
        "Project": "Nuorten ilta",
        "Strategic goals": "1, 3",
        "Means": "1.2; 3.1",
        "Inequality themes": activity.themes.get().name,
        "Partners": "Kontulan seurakunta",
        "Organisers": "Aino Aaltonen; zz-nameless",
        "Participants aged 0–12": 4,
        "Participants aged 13–17": 10,
        "Participants aged 18–29": 2,
        "Participants aged 30–64": 0,
        "Participants aged 65+": 1,
        "Participants of unknown age": 0,
        "Participants in all": 17,
        "New participants": 5,
        "Volunteers": 2,
        "Volunteer hours": 3.5,
        "Description": "Pelejä ja mehua, äänestys seuraavasta illasta.",
        "What we heard": "Nuoret kaipaavat paikkaa.",
        "Created at": datetime.datetime(2025, 3, 12, 14, 0),
    }
    by_heading = {heading.value: cell for heading, cell in zip(header, row, strict=True)}
    assert by_heading["Date"].is_date
    assert by_heading["Created at"].is_date
    assert by_heading["Participants in all"].data_type == "n"
    assert header[0].font.b


def test_export_xlsx__headings_follow_the_users_language(leadership_user, client_for, activities):
    response = client_for(leadership_user).get(XLSX_URL)

    assert "Peruspiiri" in xlsx_rows(response)[0]


def test_export_csv__holds_the_filtered_rows_with_a_bom_for_excel(
    leadership_user, client_for, activities, mellunkyla
):
    response = english(client_for(leadership_user)).get(CSV_URL, {"area": mellunkyla.pk})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="activities-2025-03-12.csv"'
    content = body(response)
    assert content.startswith(b"\xef\xbb\xbfID,Date,")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert ids_of(rows) == [activities["in_mellunkyla"].pk, activities["in_kontula"].pk]
    kontula = dict(zip(HEADER, rows[2], strict=True))
    assert kontula["Date"] == "2024-03-01"
    assert kontula["Area"] == "Kontula"
    assert kontula["Basic district"] == "Mellunkylä"
    assert kontula["Strategic goals"] == "1, 3"
    assert kontula["Means"] == "1.2; 3.1"
    assert kontula["Participants in all"] == "17"
    assert kontula["Volunteer hours"] == "3.5"
    assert kontula["Description"] == "Pelejä ja mehua, äänestys seuraavasta illasta."
    assert kontula["Created at"] == "2025-03-12 14:00:00"
    mellunkyla_row = dict(zip(HEADER, rows[1], strict=True))
    assert mellunkyla_row["Basic district"] == "Mellunkylä"
    assert mellunkyla_row["Project"] == ""
    assert mellunkyla_row["End date"] == ""


def test_export_csv__is_the_same_rows_in_the_same_order_as_the_list(
    leadership_user, client_for, activities, strategy
):
    client = client_for(leadership_user)
    query = {"goal": strategy.goals.get(number=1).pk}

    listed = [activity.pk for activity in client.get(LIST_URL, query).context["page"]]
    exported = ids_of(csv_rows(client.get(CSV_URL, query)))

    assert exported == listed
    assert len(exported) == 3


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1"])
def test_export_csv__a_cell_that_would_be_a_formula_starts_with_an_apostrophe(
    leadership_user, client_for, strategy, text
):
    ActivityFactory.create(title=text, goals=[strategy.goals.get(number=1)])

    rows = csv_rows(english(client_for(leadership_user)).get(CSV_URL))

    assert dict(zip(HEADER, rows[1], strict=True))["Title"] == f"'{text}"


def test_export_xlsx__a_users_formula_stays_text_and_control_characters_are_dropped(
    leadership_user, client_for, strategy
):
    ActivityFactory.create(
        title='=HYPERLINK("http://example.org")',
        description="Ilta\x01 meni hyvin\x0b.",
        goals=[strategy.goals.get(number=1)],
    )

    header, row = xlsx_cells(english(client_for(leadership_user)).get(XLSX_URL))

    cells = {heading.value: cell for heading, cell in zip(header, row, strict=True)}
    assert cells["Title"].value == '=HYPERLINK("http://example.org")'
    assert cells["Title"].data_type == "s"
    assert cells["Description"].value == "Ilta meni hyvin."


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export__staff_get_only_their_own(staff_user, client_for, activities, url):
    own = ActivityFactory.create(title="Oma ilta", created_by=staff_user)
    organised = ActivityFactory.create(title="Järjestetty ilta")
    organised.organisers.add(staff_user)

    response = client_for(staff_user).get(url)

    rows = xlsx_rows(response) if url == XLSX_URL else csv_rows(response)
    assert sorted(ids_of(rows)) == sorted([own.pk, organised.pk])


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export__sends_anonymous_visitors_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export__is_refused_to_a_user_without_the_permission(client_for, activities, url):
    response = client_for(UserFactory.create()).get(url)

    assert response.status_code == 403


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export__refuses_a_post(leadership_user, client_for, url):
    assert client_for(leadership_user).post(url).status_code == 405


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
@pytest.mark.parametrize(
    "query",
    [
        {"area": "abc"},
        {"goal": "999999"},
        {"date_from": "yesterday"},
        {"date_from": "2024-06-01", "date_to": "2024-01-01"},
        {"q": "x" * 201},
    ],
)
def test_export__bad_filters_show_the_list_with_the_errors_and_export_nothing(
    leadership_user, client_for, activities, url, query
):
    response = client_for(leadership_user).get(url, query)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "Content-Disposition" not in response
    assert response.context["filters"].errors
    assert 'role="alert"' in response.text


def test_export__a_bad_page_number_is_ignored(leadership_user, client_for, activities):
    response = client_for(leadership_user).get(CSV_URL, {"page": "zzz"})

    assert len(ids_of(csv_rows(response))) == 3


def test_export__responses_are_streamed(leadership_user, client_for, activities):
    client = client_for(leadership_user)

    csv_response = client.get(CSV_URL)
    xlsx_response = client.get(XLSX_URL)

    assert isinstance(csv_response, StreamingHttpResponse)
    assert csv_response.streaming
    assert isinstance(xlsx_response, FileResponse)
    assert xlsx_response.streaming
    assert int(xlsx_response["Content-Length"]) == len(body(xlsx_response))


def many(count: int, strategy) -> None:
    goal = strategy.goals.get(number=1)
    partner = PartnerFactory.create(name="Kumppani")
    for _ in range(count):
        activity = ActivityFactory.create(
            goals=[goal],
            means=[goal.means_set.get(position=1)],
            themes=[strategy.inequalitythemes.get(position=1)],
            partners=[partner],
            project=ProjectFactory.create(name="Hanke"),
        )
        activity.organisers.add(activity.created_by)


@pytest.mark.parametrize("url", [CSV_URL, XLSX_URL])
def test_export__query_count_does_not_grow_with_rows(
    leadership_user, client_for, strategy, django_assert_num_queries, url
):
    client = client_for(leadership_user)
    many(3, strategy)
    # Session, user, the user's and their groups' permissions, the activities, and one query
    # for each of the five many-to-many relations.
    with django_assert_num_queries(10) as few:
        assert len(body(client.get(url))) > 0
    many(27, strategy)

    with django_assert_num_queries(len(few.captured_queries)):
        content = body(client.get(url))

    rows = xlsx_rows(client.get(url)) if url == XLSX_URL else csv_rows(client.get(url))
    assert len(rows) == 31
    assert content


def test_export__reads_one_query_per_relation_per_chunk(
    leadership_user, client_for, strategy, django_assert_num_queries, monkeypatch
):
    client = client_for(leadership_user)
    many(25, strategy)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)

    # As above, with the five relations read for each of three chunks (10 + 10 + 5).
    with django_assert_num_queries(5 + 3 * 5):
        rows = csv_rows(client.get(CSV_URL))

    assert len(rows) == 26


def test_activity_list__download_links_carry_the_filters(
    leadership_user, client_for, activities, mellunkyla
):
    response = client_for(leadership_user).get(LIST_URL, {"area": mellunkyla.pk, "q": "ilta"})

    query = f"area={mellunkyla.pk}&amp;q=ilta"
    assert f'href="{CSV_URL}?{query}" hx-boost="false"' in response.text
    assert f'href="{XLSX_URL}?{query}" hx-boost="false"' in response.text


def test_activity_list__htmx_results_carry_the_download_links(
    leadership_user, client_for, activities
):
    response = client_for(leadership_user).get(
        LIST_URL, {"q": "kahvila"}, headers={"HX-Request": "true"}
    )

    assert "<html" not in response.text
    assert f'href="{CSV_URL}?q=kahvila"' in response.text


@pytest.mark.parametrize("query", [{"area": "abc"}, {"q": "nothing like this"}])
def test_activity_list__no_download_links_without_rows_to_export(
    leadership_user, client_for, activities, query
):
    response = client_for(leadership_user).get(LIST_URL, query)

    assert CSV_URL not in response.text
    assert XLSX_URL not in response.text

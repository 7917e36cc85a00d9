"""The goal dashboard, the metric page's filter and the values workbook, through HTTP."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from measures import services
from measures.models import Metric, MetricTarget, Period, StalePeriod
from neighbourhoods.models import Activity, Area
from tests.factories.activity import ActivityFactory
from tests.factories.area import AreaFactory
from tests.factories.metric import MetricFactory

pytestmark = pytest.mark.django_db

GOAL = 3


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(datetime.datetime(2026, 12, 5, 9, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def districts() -> tuple[Area, Area, Area]:
    """Two basic districts, and a sub-district of the first."""
    east = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, name_fi="Itälä")
    west = AreaFactory.create(level=Area.Level.BASIC_DISTRICT, name_fi="Länsilä")
    shore = AreaFactory.create(level=Area.Level.SUB_DISTRICT, parent=east, name_fi="Itäranta")
    return east, west, shore


@pytest.fixture
def metric(strategy, districts) -> Metric:
    """Goal 3's activities per quarter: in 2025, 2 + 1 in the east (one on its shore) and 4
    in the west; one in the east in 2026."""
    east, west, shore = districts
    goal = strategy.goals.get(number=GOAL)
    for day, area in (
        (datetime.date(2025, 2, 1), east),
        (datetime.date(2025, 2, 2), shore),
        (datetime.date(2025, 8, 1), east),
        (datetime.date(2026, 3, 1), east),
        *((datetime.date(2025, 5, d), west) for d in (1, 2, 3, 4)),
    ):
        ActivityFactory.create(date=day, area=area, goals=[goal], title=f"Toiminta {day}")
    metric = MetricFactory.create(
        goal=goal,
        period=Period.QUARTER,
        name="Toiminnat",
        definition={"aggregation": "activities", "goals": [goal.pk]},
    )
    MetricTarget.objects.create(metric=metric, year=2025, value=3)
    services.recompute_metric(metric.pk)
    return metric


def numbers(html: str, table: int = 0) -> dict[str, dict[str, str]]:
    """A table of numbers: row header → {period label → cell text}."""
    tables = re.findall(r'(?s)<table class="values values--periods">(.*?)</table>', html)
    found = tables[table]
    labels = [label.strip() for label in re.findall(r'<th scope="col">([^<]+)', found)[1:]]
    rows = {}
    for head, cells in re.findall(r'(?s)<tr[^>]*><th scope="row">([^<]+)</th>(.*?)</tr>', found):
        texts = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"(?s)<td[^>]*>(.*?)</td>", cells)
        ]
        rows[head.strip()] = dict(zip(labels, texts, strict=True))
    return rows


def url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('measures:goal_dashboard', args=[GOAL])}?{query}"


def test_a_goal_shows_each_metric_with_its_chart_numbers_and_districts(
    metric, districts, leadership_user, client_for
):
    east, west, _shore = districts
    response = client_for(leadership_user).get(url(start="2025", end="2025"))

    assert response.status_code == 200
    html = response.text
    assert 'class="chart__svg"' in html
    table = numbers(html)
    assert table["Kaikki alueet"] == {
        "2025 Q1": "2",
        "2025 Q2": "4",
        "2025 Q3": "1",
        "2025 Q4": "0",
    }
    # The basic districts side by side, largest total first, shaded against the largest value.
    assert list(table)[1:] == [west.name, east.name]
    assert table[east.name] == {"2025 Q1": "2", "2025 Q2": "0", "2025 Q3": "1", "2025 Q4": "0"}
    assert re.search(r'<td class="heat heat--4">4</td>', html)
    assert re.search(r'<td class="heat heat--0">0</td>', html)
    # The latest activities linked to the goal in the range, newest first, linking to the log.
    titles = re.findall(r"<strong>(Toiminta [0-9-]+)</strong>", html)
    assert titles[0] == "Toiminta 2025-08-01"
    assert "Toiminta 2026-03-01" not in titles


def test_one_district_and_one_year_agree_with_the_metric_page(
    metric, districts, leadership_user, client_for
):
    east, _west, shore = districts
    client = client_for(leadership_user)
    goal_page = client.get(url(area=str(east.pk), start="2025", end="2025")).text

    shown = numbers(goal_page)
    assert shown[east.name] == {"2025 Q1": "2", "2025 Q2": "0", "2025 Q3": "1", "2025 Q4": "0"}
    assert shown[shore.name] == {"2025 Q1": "1", "2025 Q2": "0", "2025 Q3": "0", "2025 Q4": "0"}
    # The metric's link keeps the filter; its page shows the same numbers.
    found = re.search(r'<h2 id="panel-\d+-title"><a href="([^"]+)"', goal_page)
    assert found
    link = found.group(1)
    metric_page = client.get(link.replace("&amp;", "&")).text
    assert numbers(metric_page) == shown
    # An area's values are not judged against the organisation's targets.
    assert "Tavoitteet koskevat kaikkia alueita yhdessä" in goal_page


def test_a_range_that_ended_is_judged_at_its_end(metric, leadership_user, client_for):
    client = client_for(leadership_user)
    # Up to mid-2025: 4 in Q2 against a line from 2 (Q1, the first value) to 3 by the end
    # of 2025 is on track, and not yet a final result.
    html = client.get(url(start="2025", end="2025-Q2")).text
    assert "Aikataulussa" in html
    assert "Tavoite saavutettu" not in html
    # Over the strategy's years the final result stands: 2025 Q4 had none.
    html = client.get(url()).text
    assert "Ei saavutettu" in html


@pytest.mark.parametrize(
    "query",
    [
        "start=2025&end=2023",  # the end before the start
        "start=2025-Q3&end=2025-Q1",
        "start=20255&end=x",
        "area=999999",
        "area=%00",
        "strategy=nope&start=2025-Q7",
    ],
)
def test_a_filter_that_cannot_be_read_says_so_and_shows_the_defaults(
    metric, leadership_user, client_for, query
):
    response = client_for(leadership_user).get(
        f"{reverse('measures:goal_dashboard', args=[GOAL])}?{query}"
    )

    assert response.status_code == 200
    assert 'class="form-errors" role="alert"' in response.text
    # The defaults: the strategy's years to this one, all areas.
    assert "Kaikki alueet · 2023 – 2026" in response.text


def test_the_end_before_the_start_is_refused_in_words(metric, leadership_user, client_for):
    html = client_for(leadership_user).get(url(start="2025", end="2023")).text
    assert "Aikavälin loppu on ennen sen alkua." in html


def test_htmx_gets_only_the_body_and_caches_keep_the_two_apart(metric, leadership_user, client_for):
    client = client_for(leadership_user)
    full = client.get(url(start="2025", end="2025"))
    part = client.get(url(start="2025", end="2025"), headers={"HX-Request": "true"})

    assert "<html" in full.text
    assert "<html" not in part.text
    assert part.text.lstrip().startswith('<div id="dashboard-body">')
    assert "HX-Request" in part["Vary"]
    assert "HX-Request" in full["Vary"]


def test_staff_read_the_goal_dashboard_and_anonymous_visitors_do_not(
    metric, staff_user, client_for
):
    assert client_for(staff_user).get(url()).status_code == 200
    response = Client().get(url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert (
        client_for(staff_user).get(reverse("measures:goal_dashboard", args=[9])).status_code == 404
    )


def test_a_recomputing_section_polls_and_a_fresh_one_does_not(metric, leadership_user, client_for):
    client = client_for(leadership_user)
    panel = reverse("measures:goal_panel", args=[GOAL, metric.pk])
    assert "hx-trigger" not in client.get(panel).text

    StalePeriod.objects.create(metric=metric, period_start=None)
    html = client.get(panel).text
    assert 'hx-trigger="every 3s"' in html
    assert "Lasketaan uudelleen" in html
    assert re.search(rf'hx-get="{panel}\?strategy=2023-2025&amp;start=2023&amp;end=2026"', html)


def bulk_log(count: int, goal, area: Area) -> None:
    """count done activities of the goal spread over 2023–2025, written in one go."""
    template = ActivityFactory.create(date=datetime.date(2023, 1, 2), area=area, goals=[goal])
    days = [datetime.date(2023, 1, 1) + datetime.timedelta(days=n % 1095) for n in range(count)]
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Activity._meta.concrete_fields
        if not f.primary_key and not f.generated
    }
    created = Activity.objects.bulk_create(Activity(**(fields | {"date": day})) for day in days[1:])
    links: Any = Activity.goals.through
    links.objects.bulk_create(links(activity_id=a.pk, goal_id=goal.pk) for a in created)


def test_the_query_count_does_not_grow_with_the_log(
    strategy, districts, leadership_user, client_for, django_assert_max_num_queries
):
    east, _west, _shore = districts
    goal = strategy.goals.get(number=GOAL)
    for n in range(3):
        MetricFactory.create(
            goal=goal,
            period=Period.QUARTER,
            name=f"Mittari {n}",
            definition={"aggregation": "activities", "goals": [goal.pk]},
        )
    client = client_for(leadership_user)
    pages = [
        url(),
        url(area=str(east.pk), start="2025", end="2025"),
        reverse("measures:dashboard"),
        reverse("measures:metric", args=[Metric.objects.get(name="Mittari 0").pk]),
    ]
    counts = {}
    for size in (100, 10_000):
        Activity.objects.all().delete()
        bulk_log(size, goal, east)
        services.recompute_all()
        for page in pages:
            with django_assert_max_num_queries(15) as queries:
                assert client.get(page).status_code == 200
            counts[size, page] = len(queries.captured_queries)
    assert all(counts[100, page] == counts[10_000, page] for page in pages), counts


def test_the_workbook_has_every_period_and_area_with_the_version(
    metric, districts, leadership_user, client_for
):
    east, west, shore = districts
    response = client_for(leadership_user).get(
        reverse("measures:metric_values_xlsx", args=[metric.pk])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="toiminnat-v1-')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Toiminnat"
    assert rows[2][:2] == ("Versio", 1)
    header = rows[5]
    assert header[:3] == ("Jakso", "Valmis", "Kaikki alueet")
    assert {east.name, west.name, shore.name} <= set(header)
    by_period = {row[0]: dict(zip(header, row, strict=True)) for row in rows[6:]}
    assert by_period["2025 Q1"]["Kaikki alueet"] == 2
    assert by_period["2025 Q1"][east.name] == 2
    assert by_period["2025 Q1"][west.name] == 0
    assert by_period["2025 Q2"][west.name] == 4
    assert by_period["2026 Q4"]["Valmis"] == "ei"


def test_a_filter_applied_on_the_metric_page_moves_its_polling_along(
    metric, districts, leadership_user, client_for
):
    east, _west, _shore = districts
    StalePeriod.objects.create(metric=metric, period_start=None)
    page = reverse("measures:metric", args=[metric.pk])
    query = f"strategy=2023-2025&start=2025&end=2025&area={east.pk}"

    part = client_for(leadership_user).get(f"{page}?{query}", headers={"HX-Request": "true"})

    assert part.text.lstrip().startswith('<div id="metric-values"')
    state = re.search(r'<p id="metric-state"[^>]*>', part.text)
    assert state
    assert 'hx-swap-oob="true"' in state.group(0)
    assert f"?{query.replace('&', '&amp;')}" in state.group(0)


FILTER_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["2025", "2025-Q4", "2025-Q0", "-1", "9" * 30, "2025-Q", "Q4", "ä"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    params=st.dictionaries(
        st.sampled_from(["strategy", "start", "end", "area", "version"]), FILTER_TEXT
    ),
    htmx=st.booleans(),
)
def test_any_filter_value_is_answered_without_a_server_error(
    metric, leadership_user, client_for, params, htmx
):
    client = client_for(leadership_user)
    headers = {"HX-Request": "true"} if htmx else {}
    for page in (
        reverse("measures:dashboard"),
        reverse("measures:goal_dashboard", args=[GOAL]),
        reverse("measures:goal_panel", args=[GOAL, metric.pk]),
        reverse("measures:goal_progress", args=[GOAL]),
        reverse("measures:metric", args=[metric.pk]),
        reverse("measures:metric_values_xlsx", args=[metric.pk]),
    ):
        response = client.get(page, params, headers=headers)
        if response.streaming:  # a download: read to its end, which closes its file
            b"".join(response.streaming_content)
        assert response.status_code == 200, (page, params)

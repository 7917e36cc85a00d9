"""Every form and HTMX endpoint that takes a POST, sent generated hostile values: never a 5xx,
and an answer that refuses the post has written nothing.

test_every_url_that_takes_a_post_is_covered fails for a URL that takes a POST and is missing
from ENDPOINTS, so a new form cannot go without this coverage.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from evaluation.models import OutcomeAssessment
from goals.models import Goal, InequalityTheme, Means, Outcome, Strategy
from kalliola.roles import ADMIN, LEADERSHIP, STAFF
from measures import selectors as measures_selectors
from measures.forms import MeasurementForm, MetricForm
from measures.models import Measurement, Metric, Period
from neighbourhoods import closing
from neighbourhoods import services as import_services
from neighbourhoods.forms import ACTIVITY_FIELDS, ActivityForm, SignalForm
from neighbourhoods.models import (
    AGE_BANDS,
    Activity,
    ActivityType,
    Area,
    ClosedPeriod,
    ImportBatch,
    Partner,
    Project,
    Signal,
    Unit,
)
from tests.factories import (
    AreaFactory,
    GoalFactory,
    InequalityThemeFactory,
    MeansFactory,
    OutcomeFactory,
    StrategyFactory,
    UserFactory,
)
from tests.factories.activity import ActivityFactory, ActivityTypeFactory
from tests.factories.evaluation import OutcomeAssessmentFactory
from tests.factories.metric import MeasurementFactory, MetricFactory
from tests.factories.partner import PartnerFactory
from tests.factories.project import ProjectFactory
from tests.factories.signal import SignalFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import PASSWORD
from tests.hostile import hostile_posts, post_urls, snapshot_tables

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2025, 6, 15, 9, 0, tzinfo=datetime.UTC)
# The apps whose rows a refused post must leave as they were (the audit log with them).
APPS = ("goals", "neighbourhoods", "measures", "evaluation")
ANONYMOUS = "anonymous"
# Ids in a URL that name no row, or none the database can hold.
BAD_IDS = (0, 2**31, 2**63, 10**20)
REDIRECTS = {301, 302, 303}

# Twenty examples for each endpoint, the same ones every run; nothing stored on disk.
HOSTILE = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass
class World:
    """What the endpoints need: an active strategy, a place to log for, and a row of each
    kind to edit, some of them someone else's."""

    users: dict[str, User]
    goal: Goal
    means: Means
    theme: InequalityTheme
    outcome: Outcome
    area: Area
    activity_type: ActivityType
    unit: Unit
    partner: Partner
    project: Project
    activity: Activity
    others_activity: Activity
    signal: Signal
    others_signal: Signal
    metric: Metric
    manual_metric: Metric
    measurement: Measurement
    others_measurement: Measurement
    assessment: OutcomeAssessment
    others_assessment: OutcomeAssessment
    batch: ImportBatch  # checked, ready to import
    done_batch: ImportBatch  # imported, can be undone
    others_batch: ImportBatch
    period: ClosedPeriod


def import_csv(world_area: Area, activity_type: ActivityType, title: str) -> bytes:
    return (
        "Title;Date;Area;Type;Strategic goals\n"
        f"{title};3.3.2025;{world_area.code};{activity_type.name};1\n"
    ).encode()


def checked_batch(user: User, content: bytes, *, imported: bool = False) -> ImportBatch:
    batch = import_services.import_start(
        user=user, file_name="kerhot.csv", content=content, language="fi"
    )
    import_services.import_check(batch.pk)
    if imported:
        import_services.import_commit(batch.pk)
    batch.refresh_from_db()
    return batch


def build_world() -> World:
    users = {
        role: UserFactory.create(username=f"{role}-user", role=role)
        for role in (STAFF, LEADERSHIP, ADMIN)
    }
    other = UserFactory.create(username="other-staff", role=STAFF)
    strategy = StrategyFactory.create(
        start_year=2023, end_year=2025, slug="2023-2025", status=Strategy.Status.ACTIVE
    )
    goal = GoalFactory.create(strategy=strategy, number=1)
    # The staff user owns the first means and writes its notes; the second is not theirs.
    means = MeansFactory.create(goal=goal, position=1, owner=users[STAFF])
    MeansFactory.create(goal=goal, position=2)
    outcome = OutcomeFactory.create(goal=goal, position=1)
    theme = InequalityThemeFactory.create(strategy=strategy, position=1)
    area = AreaFactory.create(level=Area.Level.SUB_DISTRICT)
    activity_type = ActivityTypeFactory.create()
    unit = UnitFactory.create()
    unit.members.add(users[STAFF], other)
    logged = {"area": area, "unit": unit}
    manual_metric = MetricFactory.create(
        goal=goal, kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={}
    )
    batches = [
        checked_batch(users[STAFF], import_csv(area, activity_type, "Kerho")),
        checked_batch(users[STAFF], import_csv(area, activity_type, "Kahvila"), imported=True),
        checked_batch(other, import_csv(area, activity_type, "Retki")),
    ]
    period = closing.period_close(
        user=users[ADMIN],
        first_day=datetime.date(2022, 1, 1),
        last_day=datetime.date(2022, 12, 31),
        reason="Raportoitu.",
    )
    return World(
        users=users,
        goal=goal,
        means=means,
        theme=theme,
        outcome=outcome,
        area=area,
        activity_type=activity_type,
        unit=unit,
        partner=PartnerFactory.create(),
        project=ProjectFactory.create(),
        activity=ActivityFactory.create(
            **logged, type=activity_type, created_by=users[STAFF], goals=[goal]
        ),
        others_activity=ActivityFactory.create(
            **logged, type=activity_type, created_by=other, goals=[goal]
        ),
        signal=SignalFactory.create(**logged, created_by=users[STAFF], themes=[theme]),
        others_signal=SignalFactory.create(**logged, created_by=other),
        metric=MetricFactory.create(goal=goal, name="Toiminnot"),
        manual_metric=manual_metric,
        measurement=MeasurementFactory.create(
            metric=manual_metric, period_start=datetime.date(2024, 1, 1)
        ),
        others_measurement=MeasurementFactory.create(
            metric=MetricFactory.create(
                goal=goal, kind=Metric.Kind.MANUAL, period=Period.YEAR, definition={}
            )
        ),
        assessment=OutcomeAssessmentFactory.create(
            outcome=outcome, assessed_on=datetime.date(2024, 12, 12)
        ),
        others_assessment=OutcomeAssessmentFactory.create(
            outcome=OutcomeFactory.create(goal=goal, position=2)
        ),
        batch=batches[0],
        done_batch=batches[1],
        others_batch=batches[2],
        period=period,
    )


def activity_post(world: World) -> dict[str, Any]:
    return {
        "title": "Iltajalkautuminen ostarilla",
        "status": "done",
        "date": "2025-06-10",
        "start_time": "17:00",
        "end_time": "19:30",
        "area": world.area.pk,
        "type": world.activity_type.pk,
        "unit": world.unit.pk,
        "goals": [world.goal.pk],
        "means": [world.means.pk],
        "themes": [world.theme.pk],
        **dict.fromkeys(AGE_BANDS, 0),
        "participants_13_17": 12,
        "participants_18_29": 3,
        "new_participants": 5,
        "volunteers": 1,
        "volunteer_hours": "2.5",
        "partners": [world.partner.pk],
        "project": world.project.pk,
        "description": "Kävimme ostarilla ja juttelimme nuorten kanssa.",
        "heard": "Nuoret kaipaavat iltaisin paikkaa, jossa olla.",
    }


def activity_edit_post(world: World) -> dict[str, Any]:
    return activity_post(world) | {"version": world.activity.version}


def signal_post(world: World) -> dict[str, Any]:
    return {
        "date": "2025-06-10",
        "area": world.area.pk,
        "text": "Moni perhe kertoi, ettei lapsille löydy harrastusta, johon olisi varaa.",
        "themes": [world.theme.pk],
        "raised_by": "resident",
        "urgency": "high",
        "unit": world.unit.pk,
        "activity": world.activity.pk,
    }


def metric_post(world: World, name: str = "Uudet osallistujat") -> dict[str, Any]:
    return {
        "name": name,
        "description": "Uudet osallistujat jalkautuvassa työssä.",
        "unit": "hlö",
        "kind": "activity",
        "goal": world.goal.pk,
        "means": world.means.pk,
        "outcome": world.outcome.pk,
        "direction": "increase",
        "baseline_value": "10",
        "baseline_period": "2023-01-01",
        "owner": world.users[ADMIN].pk,
        "period": "quarter",
        "aggregation": "participants",
        "age_bands": ["participants_13_17"],
        "types": [world.activity_type.pk],
        "themes": [world.theme.pk],
        "filter_goals": [world.goal.pk],
        "filter_means": [world.means.pk],
        "units": [world.unit.pk],
        "projects": [world.project.pk],
        "areas": [world.area.pk],
        "partner_sectors": ["third_sector"],
        "status": "done",
        "target_2023": "20",
        "target_2024": "30",
        "target_2025": "40",
    }


def measurement_post(world: World) -> dict[str, Any]:
    periods = measures_selectors.period_choices(world.manual_metric, NOW.date())
    free = next(value for value, _label in periods if value != "2024-01-01")
    return {"period_start": free, "value": "12,5", "source": "Kysely", "note": "Vastaajia 40."}


def means_note_post(world: World) -> dict[str, Any]:
    return {"text": "Aloitettu kahdessa naapurustossa.", "status": "in_progress"}


def means_post(world: World) -> dict[str, Any]:
    return {"owner": world.users[STAFF].pk, "status": "in_progress"}


def assessment_post(world: World) -> dict[str, Any]:
    return {
        "assessed_on": "2025-06-01",
        "level": "2",
        "evidence": "Malli on käytössä kolmessa yksikössä.",
        "is_final": "on",
        "metrics": [world.metric.pk],
        "activities": [world.activity.pk],
    }


def evaluation_post(world: World) -> dict[str, Any]:
    return {"summary": "Onnistuimme pääosin.", "goal_1": "Naapurustot vahvistuivat."}


def login_post(world: World, role: str = STAFF) -> dict[str, Any]:
    return {"username": world.users[role].username, "password": PASSWORD, "next": "/activities/"}


def no_ids(world: World) -> dict[str, list[int]]:
    return {}


def activity_ids(world: World) -> dict[str, list[int]]:
    return {"activity_id": [world.activity.pk, world.others_activity.pk]}


def signal_ids(world: World) -> dict[str, list[int]]:
    return {"signal_id": [world.signal.pk, world.others_signal.pk]}


def metric_ids(world: World) -> dict[str, list[int]]:
    return {"metric_id": [world.metric.pk, world.manual_metric.pk]}


def manual_metric_ids(world: World) -> dict[str, list[int]]:
    return {"metric_id": [world.manual_metric.pk, world.metric.pk]}


def means_ids(world: World) -> dict[str, list[int]]:
    """The user's own means (goal 1, means 1); means 2 is not theirs, goal 2 does not exist."""
    return {"number": [1, 2], "position": [1, 2]}


def outcome_ids(world: World) -> dict[str, list[int]]:
    return {"number": [1, 2], "position": [1, 3]}


def assessment_ids(world: World) -> dict[str, list[int]]:
    return outcome_ids(world) | {"pk": [world.assessment.pk, world.others_assessment.pk]}


def strategy_ids(world: World) -> dict[str, list[Any]]:
    return {"slug": ["2023-2025", "2019-2022"]}


def measurement_ids(world: World) -> dict[str, list[int]]:
    return manual_metric_ids(world) | {
        "measurement_id": [world.measurement.pk, world.others_measurement.pk]
    }


def import_post(world: World) -> dict[str, Any]:
    content = import_csv(world.area, world.activity_type, "Uusi kerho")
    return {"file": SimpleUploadedFile("kerhot.csv", content, "text/csv")}


def batch_ids(world: World) -> dict[str, list[int]]:
    return {"batch_id": [world.batch.pk, world.others_batch.pk]}


def done_batch_ids(world: World) -> dict[str, list[int]]:
    return {"batch_id": [world.done_batch.pk, world.batch.pk, world.others_batch.pk]}


def period_ids(world: World) -> dict[str, list[int]]:
    return {"period_id": [world.period.pk]}


@dataclass(frozen=True)
class Endpoint:
    """One URL that takes a POST and how to post to it validly.

    role: who may post; others try too (anonymous, the other roles) unless only_role.
    post: a valid post; hostile posts are this with a few fields dropped or replaced.
    fields: the fields to spoil besides those of the valid post.
    saves: whether a successful post (a redirect) writes; if not, no answer may write.
    ids: the ids in the URL: the user's own row first, then someone else's or another kind.
    live: the fields validated one at a time (HTMX), sent as HX-Trigger-Name.
    answers: the status of the answer to the valid post.
    """

    role: str
    post: Callable[[World], dict[str, Any]]
    saves: bool
    fields: tuple[str, ...] = ()
    ids: Callable[[World], dict[str, list[int]]] = no_ids
    live: tuple[str, ...] = ()
    only_role: bool = False
    answers: int = 302


ACTIVITY_FORM_FIELDS = (*ACTIVITY_FIELDS, "version")
SIGNAL_FORM_FIELDS = tuple(SignalForm.base_fields)
METRIC_FORM_FIELDS = (*MetricForm.base_fields, "target_2022", "target_2026")
MEASUREMENT_FORM_FIELDS = tuple(MeasurementForm.base_fields)
LOGIN_FIELDS = ("username", "password", "next")
ASSESSMENT_FIELDS = ("assessed_on", "level", "evidence", "is_final", "metrics", "activities")

ENDPOINTS: dict[str, Endpoint] = {
    # Logging in and out, and choosing the language (before logging in, too)
    "login": Endpoint(ANONYMOUS, login_post, saves=False, fields=LOGIN_FIELDS, only_role=True),
    "admin:login": Endpoint(
        ANONYMOUS,
        lambda world: login_post(world, ADMIN),
        saves=False,
        fields=LOGIN_FIELDS,
        only_role=True,
    ),
    "logout": Endpoint(STAFF, lambda world: {"next": "/login/"}, saves=False),
    "set_language": Endpoint(
        ANONYMOUS, lambda world: {"language": "sv", "next": "/activities/"}, saves=False
    ),
    # The activity log
    "neighbourhoods:activity_create": Endpoint(
        STAFF, activity_post, saves=True, fields=ACTIVITY_FORM_FIELDS
    ),
    "neighbourhoods:activity_update": Endpoint(
        STAFF, activity_edit_post, saves=True, fields=ACTIVITY_FORM_FIELDS, ids=activity_ids
    ),
    "neighbourhoods:activity_delete": Endpoint(
        STAFF, lambda world: {}, saves=True, ids=activity_ids
    ),
    "neighbourhoods:activity_validate": Endpoint(
        STAFF,
        activity_edit_post,
        saves=False,
        fields=ACTIVITY_FORM_FIELDS,
        live=tuple(ActivityForm.live_fields),
        answers=200,
    ),
    # Signals
    "neighbourhoods:signal_create": Endpoint(
        STAFF, signal_post, saves=True, fields=SIGNAL_FORM_FIELDS
    ),
    "neighbourhoods:signal_update": Endpoint(
        STAFF, signal_post, saves=True, fields=SIGNAL_FORM_FIELDS, ids=signal_ids
    ),
    "neighbourhoods:signal_delete": Endpoint(STAFF, lambda world: {}, saves=True, ids=signal_ids),
    "neighbourhoods:signal_validate": Endpoint(
        STAFF,
        signal_post,
        saves=False,
        fields=SIGNAL_FORM_FIELDS,
        live=tuple(SignalForm.live_fields),
        answers=200,
    ),
    # Metrics (admins) and the values of manual metrics (leadership)
    "measures:metric_create": Endpoint(ADMIN, metric_post, saves=True, fields=METRIC_FORM_FIELDS),
    "measures:metric_update": Endpoint(
        ADMIN,
        lambda world: metric_post(world, name=world.metric.name),
        saves=True,
        fields=METRIC_FORM_FIELDS,
        ids=metric_ids,
    ),
    "measures:metric_delete": Endpoint(ADMIN, lambda world: {}, saves=True, ids=metric_ids),
    "measures:metric_preview": Endpoint(
        ADMIN,
        lambda world: metric_post(world) | {"metric": world.metric.pk},
        saves=False,
        fields=METRIC_FORM_FIELDS,
        answers=200,
    ),
    "measures:measurement_create": Endpoint(
        LEADERSHIP,
        measurement_post,
        saves=True,
        fields=MEASUREMENT_FORM_FIELDS,
        ids=manual_metric_ids,
    ),
    "measures:measurement_update": Endpoint(
        LEADERSHIP,
        lambda world: measurement_post(world) | {"period_start": "2024-01-01"},
        saves=True,
        fields=MEASUREMENT_FORM_FIELDS,
        ids=measurement_ids,
    ),
    "measures:measurement_delete": Endpoint(
        LEADERSHIP, lambda world: {}, saves=True, ids=measurement_ids
    ),
    # Means and outcomes followed over time, and the strategy's evaluation
    "goals:means_note_create": Endpoint(
        STAFF, means_note_post, saves=True, fields=("text", "status"), ids=means_ids
    ),
    "goals:means_update": Endpoint(
        LEADERSHIP, means_post, saves=True, fields=("owner", "status"), ids=means_ids
    ),
    "evaluation:assessment_create": Endpoint(
        LEADERSHIP, assessment_post, saves=True, fields=ASSESSMENT_FIELDS, ids=outcome_ids
    ),
    "evaluation:assessment_update": Endpoint(
        LEADERSHIP, assessment_post, saves=True, fields=ASSESSMENT_FIELDS, ids=assessment_ids
    ),
    "evaluation:evaluation_save": Endpoint(
        LEADERSHIP, evaluation_post, saves=True, fields=("summary", "goal_1"), ids=strategy_ids
    ),
    "evaluation:evaluation_done": Endpoint(
        LEADERSHIP, lambda world: {}, saves=True, ids=strategy_ids
    ),
    "evaluation:evaluation_reopen": Endpoint(
        LEADERSHIP, lambda world: {}, saves=True, ids=strategy_ids
    ),  # Activities from spreadsheets, and closed reporting periods
    "neighbourhoods:activity_import": Endpoint(STAFF, import_post, saves=True, fields=("file",)),
    "neighbourhoods:import_batch_confirm": Endpoint(
        STAFF, lambda world: {}, saves=True, ids=batch_ids
    ),
    "neighbourhoods:import_undo": Endpoint(STAFF, lambda world: {}, saves=True, ids=done_batch_ids),
    "neighbourhoods:reporting_periods": Endpoint(
        ADMIN,
        lambda world: {"first_month": "2021-01", "last_month": "2021-12", "reason": "Raportoitu."},
        saves=True,
        fields=("first_month", "last_month", "reason"),
    ),
    "neighbourhoods:reporting_period_reopen": Endpoint(
        ADMIN, lambda world: {"reason": "Korjaus."}, saves=True, fields=("reason",), ids=period_ids
    ),
}


def covered(name: str, route: str) -> bool:
    """The Django admin is its own; of it only the login is ours to keep sound."""
    return not route.startswith("admin/") or name == "admin:login"


def test_every_url_that_takes_a_post_is_covered():
    takes_post = {name for name, route in post_urls() if covered(name, route)}

    assert takes_post - ENDPOINTS.keys() == set(), "add these to ENDPOINTS"
    assert ENDPOINTS.keys() - takes_post == set(), "these take no POST (any more)"


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != ANONYMOUS:
        client.force_login(world.users[role])
    return client


def own_ids(world: World, endpoint: Endpoint) -> dict[str, int]:
    return {name: ids[0] for name, ids in endpoint.ids(world).items()}


def send(
    world: World,
    name: str,
    *,
    role: str | None = None,
    ids: dict[str, int] | None = None,
    data: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    urlencoded: bool = False,
):
    """Post to an endpoint: by default its valid post, by its role, to the role's own rows."""
    endpoint = ENDPOINTS[name]
    url = reverse(name, kwargs=own_ids(world, endpoint) if ids is None else ids)
    data = endpoint.post(world) if data is None else data
    if headers is None:
        headers = (
            {"HX-Request": "true", "HX-Trigger-Name": endpoint.live[0]} if endpoint.live else {}
        )
    client = client_for(world, endpoint.role if role is None else role)
    if urlencoded:
        # As a browser and htmx send a form; the test client's default is multipart.
        body = urlencode(data, doseq=True)
        return client.post(url, body, "application/x-www-form-urlencoded", headers=headers)
    return client.post(url, data, headers=headers)


def test_the_valid_posts_are_accepted():
    """Each hostile post spoils a valid one, which must be valid: otherwise the hostile values
    would meet an error already there instead of the code behind it."""
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        for name, endpoint in ENDPOINTS.items():
            with transaction.atomic():
                response = send(world, name)
                transaction.set_rollback(True)

            assert response.status_code == endpoint.answers, name
            assert b"errorlist" not in response.content, name
            if name == "measures:metric_preview":
                assert response.context["rows"], "the preview computed nothing"


def url_ids(world: World, endpoint: Endpoint) -> st.SearchStrategy[dict[str, int]]:
    """Mostly the user's own row; now and then someone else's, or an id no row has."""
    return st.fixed_dictionaries(
        {
            name: st.one_of(st.just(own), st.just(own), st.sampled_from([*others, *BAD_IDS]))
            for name, (own, *others) in endpoint.ids(world).items()
        }
    )


def posters(endpoint: Endpoint) -> st.SearchStrategy[str]:
    """Mostly the role the endpoint is for; now and then another one, or nobody."""
    if endpoint.only_role:
        return st.just(endpoint.role)
    others = [role for role in (ANONYMOUS, STAFF, LEADERSHIP, ADMIN) if role != endpoint.role]
    return st.one_of(st.just(endpoint.role), st.just(endpoint.role), st.sampled_from(others))


def htmx_headers(endpoint: Endpoint) -> st.SearchStrategy[dict[str, str]]:
    if not endpoint.live:
        return st.sampled_from([{}, {"HX-Request": "true"}])
    triggers = st.one_of(
        st.sampled_from(endpoint.live),
        st.sampled_from(["", "goals", "version", "csrfmiddlewaretoken", "nope", "date\u202e"]),
    )
    return st.fixed_dictionaries({"HX-Request": st.just("true"), "HX-Trigger-Name": triggers})


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_hostile_posts_get_no_server_error_and_a_refusal_writes_nothing(name):
    endpoint = ENDPOINTS[name]
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        valid = endpoint.post(world)
        spoilable = tuple(dict.fromkeys([*valid, *endpoint.fields]))

        @HOSTILE
        @given(
            data=hostile_posts(valid, spoilable),
            role=posters(endpoint),
            ids=url_ids(world, endpoint),
            headers=htmx_headers(endpoint),
            urlencoded=st.booleans(),
        )
        def post_hostile(
            data: dict[str, Any],
            role: str,
            ids: dict[str, int],
            headers: dict[str, str],
            urlencoded: bool,
        ) -> None:
            # Every example starts from the same rows: what one post wrote is undone after it.
            with transaction.atomic():
                before = snapshot_tables(APPS)
                response = send(
                    world,
                    name,
                    role=role,
                    ids=ids,
                    data=data,
                    headers=headers,
                    urlencoded=urlencoded,
                )

                assert response.status_code < 500
                accepted = response.status_code in REDIRECTS and role != ANONYMOUS
                if not (endpoint.saves and accepted):
                    assert snapshot_tables(APPS) == before, f"answered {response.status_code}"
                transaction.set_rollback(True)

        post_hostile()


TOO_BIG_ID = [str(10**20)]


@pytest.mark.parametrize(
    ("name", "change", "field"),
    [
        # django-axes could not store the failed attempt of a username this long (PostgreSQL).
        ("login", {"username": "x" * 256}, "username"),
        ("admin:login", {"username": "x" * 10_000}, "username"),
        # Django looks several ids up at once with pk__in, which unlike pk= lets a number too
        # big for the database through (SQLite).
        ("neighbourhoods:activity_create", {"goals": TOO_BIG_ID}, "goals"),
        ("neighbourhoods:activity_update", {"means": TOO_BIG_ID}, "means"),
        ("neighbourhoods:activity_create", {"themes": TOO_BIG_ID}, "themes"),
        ("neighbourhoods:activity_create", {"partners": TOO_BIG_ID}, "partners"),
        ("neighbourhoods:signal_update", {"themes": TOO_BIG_ID}, "themes"),
        ("measures:metric_create", {"types": TOO_BIG_ID}, "types"),
        ("measures:metric_create", {"filter_goals": TOO_BIG_ID}, "filter_goals"),
        ("measures:metric_update", {"filter_means": TOO_BIG_ID}, "filter_means"),
        ("measures:metric_create", {"areas": TOO_BIG_ID}, "areas"),
        ("measures:metric_create", {"units": TOO_BIG_ID}, "units"),
        ("measures:metric_create", {"projects": TOO_BIG_ID}, "projects"),
        ("evaluation:assessment_create", {"metrics": TOO_BIG_ID}, "metrics"),
        ("evaluation:assessment_update", {"activities": TOO_BIG_ID}, "activities"),
    ],
)
def test_posts_that_were_server_errors_are_form_errors_that_write_nothing(name, change, field):
    with time_machine.travel(NOW, tick=False):
        world = build_world()
        before = snapshot_tables(APPS)

        response = send(world, name, data=ENDPOINTS[name].post(world) | change)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert snapshot_tables(APPS) == before

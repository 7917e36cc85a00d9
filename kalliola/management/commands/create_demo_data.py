"""A plausible demo history of activities and signals for the local quick start.

Everything is made by the project's test factories from fixed tables and a seeded random
generator, so two runs on the same day give the same data. The history runs from the start of the
active strategy (1 January 2023 for the seed strategy) to today, so that every metric has values
for the strategy's own years, and a few planned activities follow in the weeks ahead. It is
quieter at weekends, in July and around Christmas, and it grows over the strategy's years: more
activities each year, more people at each, outreach growing fastest (see VOLUME_BY_YEAR and the
tables next to it). `--activities` sets the size: the done activities of the strategy's last year;
the other years follow in proportion. The demo metrics' baselines and targets are set in the same
proportion, so that some of them are on track and some are not.

Activities and signals are marked `is_demo`; the demo units, partners and projects have names that
end in "(demo)". No participant is identified: counts by age band only, and the free text comes
from the tables in demo_content, each checked by the privacy validator.

The rows are built with the factories' `build()` and written with bulk inserts, inside
`disable_auditlog()`: demo data is nobody's change to audit, and a row and an audit entry at a
time would make the quick start slow. Bulk inserts send no model signals either, so nothing else
reacts to the demo rows as they are written.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from goals.models import Goal, InequalityTheme, Means, Strategy
from kalliola.demo_content import (
    CHRISTMAS_WEIGHT,
    COMMON_TYPES,
    COMMUNICATION,
    DEFAULT_URGENCY,
    DEMO_STAFF_PER_UNIT,
    HOME_SHARE,
    MONTH_WEIGHTS,
    OTHER,
    OUTREACH,
    OUTREACH_BY_YEAR,
    PARTNER_SECTORS,
    PARTNERS,
    PLANNED_DESCRIPTIONS,
    PREFERRED_SECTOR_WEIGHT,
    PROJECT_SHARE,
    PROJECTS,
    RAISED_BY_AT_ACTIVITY,
    RAISED_BY_ELSEWHERE,
    SEASONAL_TITLES,
    SIGNAL_FOLLOW_UPS,
    SIGNAL_TEXTS,
    SIZE_BY_YEAR,
    TITLES,
    TRAINING,
    TYPES,
    UNITS,
    URGENCY,
    VOLUME_BY_YEAR,
    WEEKDAY_WEIGHTS,
    YOUTH,
    ProjectSpec,
    TypeSpec,
    UnitSpec,
)
from kalliola.demo_metrics import create_demo_metrics
from kalliola.demo_progress import create_demo_progress
from kalliola.management.commands.create_demo_users import DEMO_USERS
from kalliola.privacy import validate_no_personal_data
from kalliola.roles import ADMIN, LEADERSHIP, STAFF
from measures import services as measures_services
from measures.models import Metric
from neighbourhoods.models import (
    AGE_BANDS,
    Activity,
    Area,
    ClosedPeriod,
    Partner,
    Project,
    Signal,
    Unit,
)

if TYPE_CHECKING:
    from tests.factories.activity import ActivityFactory, ActivityTypeFactory
    from tests.factories.partner import PartnerFactory
    from tests.factories.project import ProjectFactory
    from tests.factories.signal import SignalFactory
    from tests.factories.unit import UnitFactory
    from tests.factories.user import UserFactory

SEED = 2023
DEFAULT_ACTIVITIES = 1200  # done in the strategy's last year; other years in proportion
PLANNED_SHARE = 0.035  # planned activities in the next PLANNED_DAYS, per done one in a year
PLANNED_DAYS = 28
SIGNALS_PER_ACTIVITY = 0.25
BATCH_SIZE = 500


def day_weight(day: datetime.date) -> float:
    weight = WEEKDAY_WEIGHTS[day.weekday()] * MONTH_WEIGHTS[day.month - 1]
    if (day.month == 12 and day.day >= 21) or (day.month == 1 and day.day <= 6):
        weight *= CHRISTMAS_WEIGHT
    return weight


def yearly_level(levels: Mapping[int, float], day: datetime.date, last_year: int) -> float:
    """A by-year table's level on a day: each year's level at its middle, straight lines between
    (years counted from last_year, outside the table the nearest year's level)."""
    first = datetime.date(day.year, 1, 1)
    length = (datetime.date(day.year + 1, 1, 1) - first).days
    when = day.year - last_year + ((day - first).days + 0.5) / length - 0.5
    low, high = min(levels), max(levels)
    before = min(max(math.floor(when), low), high)
    after = min(before + 1, high)
    share = min(max(when - before, 0.0), 1.0)
    return levels[before] * (1 - share) + levels[after] * share


def one_year_before(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


# The demo's closed reporting period: 2025, closed when its report went to STEA.
DEMO_CLOSING_REASON = "STEA:n vuosiraportti 2025 lähetetty 16.3.2026."


def close_reported_year(admin: User, *, today: datetime.date) -> str:
    """Close 2025 for reporting, as the admin did once its report was sent (16 March 2026),
    so that the quick start shows a closed year; nothing is closed before that day."""
    closed_on = datetime.date(2026, 3, 16)
    ClosedPeriod.objects.filter(reason=DEMO_CLOSING_REASON).delete()
    if today < closed_on:
        return ""
    period = ClosedPeriod.objects.create(
        first_day=datetime.date(2025, 1, 1),
        last_day=datetime.date(2025, 12, 31),
        reason=DEMO_CLOSING_REASON,
        closed_by=admin,
    )
    when = timezone.make_aware(datetime.datetime.combine(closed_on, datetime.time(10)))
    ClosedPeriod.objects.filter(pk=period.pk).update(created_at=when, updated_at=when)
    return "; 2025 closed for reporting"


def delete_demo_rows() -> None:
    """Delete the demo activities and signals, with their links, a statement per table.

    A model delete would note, row by row, what each row counted for each metric, which takes
    half a minute for the demo's thousands of rows; the command makes every metric's whole
    history stale instead, as it does after its bulk inserts. A real signal keeps its text when
    the demo activity it points at goes, as a model delete would leave it.
    """
    Signal.objects.filter(activity__is_demo=True, is_demo=False).update(activity=None)
    for model in (Signal, Activity):
        rows = model.objects.filter(is_demo=True)
        for link in model._meta.many_to_many:
            through = getattr(model, link.name).through
            through.objects.filter(**{f"{link.m2m_field_name()}__is_demo": True}).delete()
        # Links to them from other models (an outcome assessment's supporting activities).
        for relation in model._meta.related_objects:
            if relation.many_to_many:
                field = cast("models.ManyToManyField[Any, Any]", relation.field)
                through = cast(type[models.Model], field.remote_field.through)
                through._default_manager.filter(
                    **{f"{field.m2m_reverse_field_name()}__is_demo": True}
                ).delete()
        rows._raw_delete(rows.db)


@dataclass(frozen=True)
class Factories:
    """The test factories, imported only when the command runs (they are development tools)."""

    activity: type[ActivityFactory]
    activity_type: type[ActivityTypeFactory]
    partner: type[PartnerFactory]
    project: type[ProjectFactory]
    signal: type[SignalFactory]
    unit: type[UnitFactory]
    user: type[UserFactory]


@dataclass
class Made:
    """Built, unsaved rows and the links to add once they have ids."""

    activities: list[Activity] = field(default_factory=list)
    activity_links: list[dict[str, list[Any]]] = field(default_factory=list)
    signals: list[Signal] = field(default_factory=list)
    signal_themes: list[list[InequalityTheme]] = field(default_factory=list)
    signal_activity: list[int | None] = field(default_factory=list)  # index in activities


class Command(BaseCommand):
    help = (
        "Create a plausible demo history of activities and signals in the areas Kalliola works "
        "in, from the start of the active strategy to today, and a few demo metrics, marked as "
        "demo data (local development only). Does nothing if demo data exists, unless --replace "
        "is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete the existing demo activities and signals and create them anew.",
        )
        parser.add_argument("--seed", type=int, default=SEED, help=f"Random seed (default {SEED}).")
        parser.add_argument(
            "--activities",
            type=int,
            default=DEFAULT_ACTIVITIES,
            metavar="N",
            help=(
                "Done activities in the active strategy's last year (default "
                f"{DEFAULT_ACTIVITIES}); the other years, the planned activities, the signals "
                "and the demo metrics' targets follow in proportion."
            ),
        )

    def handle(self, *args: Any, replace: bool, seed: int, activities: int, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo data is for local development only (DEBUG is off).")
        if activities < 1:
            raise CommandError("--activities must be at least 1.")
        try:
            import factory.random

            from tests.factories.activity import ActivityFactory, ActivityTypeFactory
            from tests.factories.partner import PartnerFactory
            from tests.factories.project import ProjectFactory
            from tests.factories.signal import SignalFactory
            from tests.factories.unit import UnitFactory
            from tests.factories.user import UserFactory
        except ImportError as exc:
            raise CommandError(
                "create_demo_data is a development command: it needs factory-boy and the "
                "project's tests/factories, which come with the development dependencies "
                f"(`uv sync`, or `make install`). ({exc})"
            ) from exc
        factories = Factories(
            activity=ActivityFactory,
            activity_type=ActivityTypeFactory,
            partner=PartnerFactory,
            project=ProjectFactory,
            signal=SignalFactory,
            unit=UnitFactory,
            user=UserFactory,
        )

        existing = (
            Activity.objects.filter(is_demo=True).count(),
            Signal.objects.filter(is_demo=True).count(),
        )
        if any(existing) and not replace:
            self.stdout.write(
                f"Demo data already exists ({existing[0]} activities, {existing[1]} signals): "
                "nothing to do. Use --replace to create it anew."
            )
            return

        factory.random.reseed_random(seed)
        with transaction.atomic(), disable_auditlog():
            if replace:
                delete_demo_rows()
            demo = DemoHistory(
                factories=factories,
                rng=random.Random(seed),  # noqa: S311 (demo data, not security)
                today=timezone.localdate(),
            )
            summary = demo.create(per_year=activities)
            # Bulk inserts send no model signals: recompute every metric over all of history.
            metric_ids = Metric.objects.values_list("pk", flat=True)
            measures_services.mark_stale(metric_ids, periods=None)
            admin = demo.admin
            if admin is not None:
                defined = create_demo_metrics(admin, scale=activities / DEFAULT_ACTIVITIES)
                summary += f"; {defined} demo metrics"
            summary += "; " + create_demo_progress(
                strategy=demo.strategy,
                owners=demo.means_owners(),
                today=timezone.localdate(),
                rng=random.Random(seed),  # noqa: S311 (demo data, not security)
            )
            if admin is not None:
                summary += close_reported_year(admin, today=timezone.localdate())
        self.stdout.write(self.style.SUCCESS(f"Demo data (seed {seed}): {summary}."))


class DemoHistory:
    """Makes the demo history; `create` writes it."""

    def __init__(self, *, factories: Factories, rng: random.Random, today: datetime.date) -> None:
        self.factories = factories
        self.rng = rng
        self.today = today
        self.checked_texts: set[str] = set()

    # --- What it builds on ---

    def _load_strategy(self) -> None:
        strategy = Strategy.objects.filter(status=Strategy.Status.ACTIVE).first()
        goals = list(Goal.objects.filter(strategy=strategy).order_by("number"))
        if strategy is None or not goals:
            raise CommandError(
                "There is no active strategy with goals: run `manage.py load_strategy` first."
            )
        self.strategy = strategy
        self.goals = {goal.number: goal for goal in goals}
        self.means = {
            (means.goal.number, means.position): means
            for means in Means.objects.filter(goal__in=goals)
            .select_related("goal")
            .order_by("goal__number", "position")
        }
        self.themes = {
            theme.position: theme
            for theme in InequalityTheme.objects.filter(strategy=strategy).order_by("position")
        }

    def _load_areas(self) -> None:
        self.areas = list(
            Area.objects.filter(kalliola_works_here=True)
            .exclude(level=Area.Level.MUNICIPALITY)
            .order_by("code")
        )
        if not self.areas:
            raise CommandError(
                "There are no areas where Kalliola works: run `manage.py import_districts` "
                "first (it marks them), or mark some in the admin."
            )

    def _home_areas(self, spec: UnitSpec) -> list[Area]:
        """The areas Kalliola works in that are, or are in, the unit's home areas (by name)."""
        if not spec.home:
            return []
        home = Area.objects.filter(
            Q(name_fi__in=spec.home) | Q(parent__name_fi__in=spec.home),
            pk__in=[area.pk for area in self.areas],
        )
        return list(home.order_by("code"))

    def means_owners(self) -> list[User]:
        """Who owns the demo's means: the quick start's leader and staff user, then a member
        of each unit. The first of them (the leader, if there is one) assesses the outcomes."""
        quick_start = [
            user
            for username, role, *_ in DEMO_USERS
            if role in (LEADERSHIP, STAFF)
            and (user := User.objects.filter(username=username).first()) is not None
        ]
        quick_start.sort(
            key=lambda user: user.groups.filter(name=LEADERSHIP).exists(), reverse=True
        )
        return quick_start + [members[0] for _spec, _unit, members, _areas in self.units]

    def _make_organisation(self) -> None:
        factories = self.factories
        self.types = {name: factories.activity_type.create(name_fi=name) for name in TYPES}
        quick_start = {
            role: user
            for username, role, *_ in DEMO_USERS
            if role in (STAFF, ADMIN)
            and (user := User.objects.filter(username=username).first()) is not None
        }
        self.admin = quick_start.get(ADMIN)
        self.units: list[tuple[UnitSpec, Unit, list[User], list[Area]]] = []
        for number, spec in enumerate(UNITS, start=1):
            unit = factories.unit.create(name_fi=spec.name, kind=spec.kind)
            staff = [
                factories.user.create(
                    username=f"demo-{number}-{position}", role=STAFF, password=None
                )
                for position in range(1, DEMO_STAFF_PER_UNIT + 1)
            ]
            unit.members.add(*staff)
            # The quick start's staff user logs for the unit create_demo_users put them in.
            staff += [
                user
                for user in (quick_start.get(STAFF),)
                if user is not None and unit.members.filter(pk=user.pk).exists()
            ]
            self.units.append((spec, unit, staff, self._home_areas(spec) or self.areas))
        self.partners = [
            factories.partner.create(name=name, sector=sector) for name, sector in PARTNERS
        ]
        self.projects: list[tuple[ProjectSpec, Project]] = []
        first_year = self.strategy.start_year
        for project_spec in PROJECTS:
            project = factories.project.create(
                name=project_spec.name,
                funder_kind=project_spec.funder_kind,
                funder=project_spec.funder,
                starts_on=datetime.date(first_year + project_spec.first_year, 1, 1),
                ends_on=(
                    None
                    if project_spec.last_year is None
                    else datetime.date(first_year + project_spec.last_year, 12, 31)
                ),
            )
            project.goals.set([self.goals[n] for n in project_spec.goals if n in self.goals])
            self.projects.append((project_spec, project))

    # --- Choices ---

    def _weighted[T](self, weights: Mapping[T, float]) -> T:
        keys = list(weights)
        return self.rng.choices(keys, weights=[weights[key] for key in keys])[0]

    def _text(self, text: str) -> str:
        """The text, once checked to hold nothing that identifies a person."""
        if text not in self.checked_texts:
            validate_no_personal_data(text)
            self.checked_texts.add(text)
        return text

    def _level(self, levels: Mapping[int, float], day: datetime.date) -> float:
        return yearly_level(levels, day, self.strategy.end_year)

    def _weight(self, day: datetime.date) -> float:
        return day_weight(day) * self._level(VOLUME_BY_YEAR, day)

    def _between(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]

    def _days(self, first: datetime.date, last: datetime.date, count: int) -> list[datetime.date]:
        days = self._between(first, last)
        return sorted(self.rng.choices(days, weights=[self._weight(day) for day in days], k=count))

    def _done_days(self, first: datetime.date, per_year: int) -> list[datetime.date]:
        """Days of done activities from first to today: per_year in the strategy's last year,
        each calendar year its share by weight, so the years grow as VOLUME_BY_YEAR says."""
        end_year = self.strategy.end_year
        last_year = self._between(datetime.date(end_year, 1, 1), datetime.date(end_year, 12, 31))
        per_weight = per_year / sum(self._weight(day) for day in last_year)
        days: list[datetime.date] = []
        for year in range(first.year, self.today.year + 1):
            start = max(first, datetime.date(year, 1, 1))
            end = min(self.today, datetime.date(year, 12, 31))
            count = round(per_weight * sum(self._weight(day) for day in self._between(start, end)))
            days += self._days(start, end, count)
        return days

    def _unit(self, day: datetime.date) -> tuple[UnitSpec, Unit, list[User], list[Area]]:
        weekend = day.weekday() >= 5
        weights = [spec.share * (spec.weekend if weekend else 1) for spec, *_ in self.units]
        return self.rng.choices(self.units, weights=weights)[0]

    def _area(self, home: list[Area]) -> Area:
        return self.rng.choice(home if self.rng.random() < HOME_SHARE else self.areas)

    def _title(self, type_name: str, spec: UnitSpec, day: datetime.date) -> tuple[str, int]:
        seasonal = [
            (title, days)
            for kind, profiles, months, title, days in SEASONAL_TITLES
            if kind == type_name and spec.profile in profiles and day.month in months
        ]
        if seasonal and self.rng.random() < 0.5:
            return self.rng.choice(seasonal)
        titles = TITLES[type_name]
        return self.rng.choice(titles.get(spec.profile) or titles["*"]), 1

    def _participants(
        self, type_spec: TypeSpec, type_name: str, spec: UnitSpec, day: datetime.date
    ) -> list[int]:
        growth = self._level(SIZE_BY_YEAR, day)
        low, high = (round(size * growth) for size in type_spec.size)
        total = self.rng.randint(low, high)
        ages = list(spec.ages)
        if type_name == OUTREACH:  # outreach often cannot ask anyone's age
            ages[-1] += 10 if spec.profile == YOUTH else 35
        elif type_name in (TRAINING, OTHER):  # staff, volunteers, partners
            ages = [0, 0, 15, 80, 5, 0]
        chosen = self.rng.choices(range(len(AGE_BANDS)), weights=ages, k=total)
        return [chosen.count(band) for band in range(len(AGE_BANDS))]

    def _goals_and_means(self, type_spec: TypeSpec) -> tuple[list[Goal], list[Means]]:
        numbers = [type_spec.goal] + [
            number for number, p in type_spec.other_goals.items() if self.rng.random() < p
        ]
        goals = [self.goals[n] for n in numbers if n in self.goals] or [
            self.rng.choice(list(self.goals.values()))
        ]
        fitting = [
            self.means[key]
            for key in type_spec.means
            if key in self.means and self.means[key].goal in goals
        ]
        count = min(len(fitting), self.rng.choice((0, 1, 1, 2)))
        return goals, self.rng.sample(fitting, count)

    def _themes(self, spec: UnitSpec, type_name: str) -> list[InequalityTheme]:
        if type_name in (COMMUNICATION, TRAINING) and self.rng.random() < 0.5:
            return []
        positions = list(spec.themes) + ([1, 5] if type_name == OUTREACH else [])
        weights = [1 / (rank + 1) for rank in range(len(positions))]
        count = self.rng.choice((1, 1, 2))
        chosen = {self.rng.choices(positions, weights=weights)[0] for _ in range(count)}
        return [self.themes[p] for p in sorted(chosen) if p in self.themes]

    def _partners(self, type_spec: TypeSpec, spec: UnitSpec) -> list[Partner]:
        if self.rng.random() >= type_spec.partners:
            return []
        preferred = PARTNER_SECTORS[spec.profile]
        weights = [
            PREFERRED_SECTOR_WEIGHT if partner.sector in preferred else 1
            for partner in self.partners
        ]
        count = self.rng.choice((1, 1, 1, 2))
        return sorted(
            set(self.rng.choices(self.partners, weights=weights, k=count)), key=lambda p: p.name
        )

    def _project(self, spec: UnitSpec, type_name: str, day: datetime.date) -> Project | None:
        fitting = [
            project
            for project_spec, project in self.projects
            if spec.profile in project_spec.profiles
            and type_name in project_spec.types
            and project.starts_on <= day
            and (project.ends_on is None or day <= project.ends_on)
        ]
        if fitting and self.rng.random() < PROJECT_SHARE:
            return self.rng.choice(fitting)
        return None

    def _times(self, type_spec: TypeSpec) -> tuple[datetime.time | None, datetime.time | None]:
        if not type_spec.starts:
            return None, None
        start = datetime.datetime.strptime(self.rng.choice(type_spec.starts), "%H:%M")
        end = start + datetime.timedelta(hours=self.rng.choice(type_spec.hours))
        return start.time(), end.time()

    def _signal_text(self, position: int) -> str:
        text = self.rng.choice(SIGNAL_TEXTS[position]) + self.rng.choice(SIGNAL_FOLLOW_UPS)
        return self._text(text)

    # --- Rows ---

    def _activity(self, made: Made, day: datetime.date) -> None:
        spec, unit, staff, home = self._unit(day)
        weekend = day.weekday() >= 5
        outreach = self._level(OUTREACH_BY_YEAR, day)
        type_weights = {
            name: weight
            * (TYPES[name].weekend if weekend else 1)
            * (outreach if name == OUTREACH else 1)
            for name, weight in (COMMON_TYPES | dict(spec.types)).items()
        }
        type_name = self._weighted(type_weights)
        type_spec = TYPES[type_name]
        done = day <= self.today
        title, days = self._title(type_name, spec, day)
        end_date = day + datetime.timedelta(days=days - 1) if days > 1 else None
        if done and end_date and end_date > self.today:
            end_date = None
        counts = (
            self._participants(type_spec, type_name, spec, day) if done else [0] * len(AGE_BANDS)
        )
        total = sum(counts)
        new = round(total * self.rng.uniform(*type_spec.new))
        volunteers = self.rng.randint(*type_spec.volunteers) if done else 0
        volunteer_hours = volunteers * self.rng.choice((1.5, 2, 2.5, 3, 4))
        start_time, end_time = self._times(type_spec)
        goals, means = self._goals_and_means(type_spec)
        themes = self._themes(spec, type_name)
        author = self.rng.choice(staff)
        organisers = {author}
        if self.rng.random() < 0.35:
            organisers.add(self.rng.choice(staff))
        if self.admin is not None and self.rng.random() < 0.05:
            organisers.add(self.admin)
        if not done:
            description = self.rng.choice(PLANNED_DESCRIPTIONS)
        elif self.rng.random() < 0.7:
            description = self.rng.choice(type_spec.descriptions)
        else:
            description = ""
        area = self._area(home)
        heard = ""
        signal_theme = None
        heard_themes = [theme.position for theme in themes if theme.position in SIGNAL_TEXTS] or [
            p for p in spec.themes if p in SIGNAL_TEXTS and p in self.themes
        ]
        if done and heard_themes and self.rng.random() < type_spec.heard:
            signal_theme = self.rng.choice(heard_themes)
            heard = self._signal_text(signal_theme)
        activity = self.factories.activity.build(
            title=self._text(title),
            date=day,
            end_date=end_date,
            start_time=start_time,
            end_time=end_time,
            status=Activity.Status.DONE if done else Activity.Status.PLANNED,
            area=area,
            type=self.types[type_name],
            unit=unit,
            project=self._project(spec, type_name, day),
            **dict(zip(AGE_BANDS, counts, strict=True)),
            new_participants=new,
            volunteers=volunteers,
            volunteer_hours=Decimal(str(volunteer_hours)),
            description=self._text(description),
            heard=heard,
            created_by=author,
            is_demo=True,
        )
        made.activities.append(activity)
        made.activity_links.append(
            {
                "goals": goals,
                "means": means,
                "themes": themes,
                "partners": self._partners(type_spec, spec),
                "organisers": sorted(organisers, key=lambda user: user.username),
            }
        )
        if signal_theme is not None:
            extra = [theme for theme in themes if theme.position != signal_theme]
            self._signal(
                made,
                day=day,
                area=area,
                unit=unit,
                author=author,
                text=heard,
                themes=[self.themes[signal_theme], *extra[:1]],
                raised_by=self._weighted(RAISED_BY_AT_ACTIVITY),
                urgency_of=signal_theme,
                activity=len(made.activities) - 1,
            )

    def _signal(
        self,
        made: Made,
        *,
        day: datetime.date,
        area: Area,
        unit: Unit,
        author: User,
        text: str,
        themes: Sequence[InequalityTheme],
        raised_by: str,
        urgency_of: int,
        activity: int | None,
    ) -> None:
        low, medium, high = URGENCY.get(urgency_of, DEFAULT_URGENCY)
        urgency = self._weighted(
            {Signal.Urgency.LOW: low, Signal.Urgency.MEDIUM: medium, Signal.Urgency.HIGH: high}
        )
        made.signals.append(
            self.factories.signal.build(
                date=day,
                area=area,
                text=text,
                raised_by=raised_by,
                urgency=urgency,
                unit=unit,
                created_by=author,
                is_demo=True,
            )
        )
        made.signal_themes.append(list(themes))
        made.signal_activity.append(activity)

    def _signal_elsewhere(self, made: Made, day: datetime.date) -> None:
        spec, unit, staff, home = self._unit(day)
        positions = [p for p in spec.themes if p in SIGNAL_TEXTS and p in self.themes] or [
            p for p in SIGNAL_TEXTS if p in self.themes
        ]
        if not positions:  # a strategy without the seed's themes
            return
        position = self.rng.choice(positions)
        self._signal(
            made,
            day=day,
            area=self._area(home),
            unit=unit,
            author=self.rng.choice(staff),
            text=self._signal_text(position),
            themes=[self.themes[position]],
            raised_by=self._weighted(RAISED_BY_ELSEWHERE),
            urgency_of=position,
            activity=None,
        )

    # --- Writing ---

    def _save(self, made: Made) -> None:
        saved = Activity.objects.bulk_create(made.activities, batch_size=BATCH_SIZE)
        for relation in ("goals", "means", "themes", "partners", "organisers"):
            through = getattr(Activity, relation).through
            target = getattr(Activity, relation).field.m2m_reverse_field_name()
            through.objects.bulk_create(
                [
                    through(activity_id=activity.pk, **{f"{target}_id": item.pk})
                    for activity, links in zip(saved, made.activity_links, strict=True)
                    for item in links[relation]
                ],
                batch_size=BATCH_SIZE,
            )
        for signal, index in zip(made.signals, made.signal_activity, strict=True):
            signal.activity = None if index is None else saved[index]
        signals = Signal.objects.bulk_create(made.signals, batch_size=BATCH_SIZE)
        through = Signal.themes.through
        through.objects.bulk_create(
            [
                through(signal_id=signal.pk, inequalitytheme_id=theme.pk)
                for signal, themes in zip(signals, made.signal_themes, strict=True)
                for theme in themes
            ],
            batch_size=BATCH_SIZE,
        )

    def first_day(self) -> datetime.date:
        """The start of the active strategy; at least a year back, should it start later."""
        year_back = one_year_before(self.today) + datetime.timedelta(days=1)
        return min(datetime.date(self.strategy.start_year, 1, 1), year_back)

    def create(self, *, per_year: int) -> str:
        """Write the demo history; a one-line summary of what was made."""
        self._load_strategy()
        self._load_areas()
        self._make_organisation()
        made = Made()
        first_day = self.first_day()
        done_days = self._done_days(first_day, per_year)
        planned_count = max(1, round(per_year * PLANNED_SHARE))
        days = done_days + self._days(
            self.today + datetime.timedelta(days=1),
            self.today + datetime.timedelta(days=PLANNED_DAYS),
            planned_count,
        )
        for day in days:
            self._activity(made, day)
        at_activities = len(made.signals)
        elsewhere = max(0, round(len(done_days) * SIGNALS_PER_ACTIVITY) - at_activities)
        for day in self._days(first_day, self.today, elsewhere):
            self._signal_elsewhere(made, day)
        self._save(made)
        staff = {user.pk for *_, members, _ in self.units for user in members}
        end_year = self.strategy.end_year
        in_last_year = (
            f", {sum(day.year == end_year for day in done_days)} of them in {end_year}"
            if end_year <= self.today.year
            else ""
        )
        return (
            f"{len(made.activities)} activities ({len(done_days)} done since "
            f"{first_day.isoformat()}{in_last_year}; {planned_count} planned), "
            f"{len(made.signals)} signals ({at_activities} heard at an activity), "
            f"{len(self.units)} units, {len(self.partners)} partners, {len(self.projects)} "
            f"projects, {len(staff)} staff, in {len(self.areas)} areas"
        )

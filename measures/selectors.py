"""Reads of the measures app. Pages read stored snapshot values only, never the log itself."""

from __future__ import annotations

import datetime
import math
import operator
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial, reduce
from types import EllipsisType

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from goals.models import Goal, InequalityTheme, Means, Strategy
from kalliola.ids import parse_id
from measures.charts import Chart, ChartData, Point, chart
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.filters import DashboardFilter
from measures.models import (
    Measurement,
    Metric,
    MetricValue,
    MetricVersion,
    Period,
    StalePeriod,
)
from measures.periods import period_end, period_label, periods_between
from measures.status import (
    Assessment,
    Status,
    Window,
    assess,
    on_line,
    without_early_values,
)
from neighbourhoods.models import Activity, ActivityType, Area, Partner, Project, Unit
from neighbourhoods.selectors import User, activity_filter, activity_list


@dataclass(frozen=True)
class Row:
    """One period of a metric, as a table row."""

    period_start: datetime.date
    label: str
    value: Decimal | None
    complete: bool


@dataclass(frozen=True)
class Summary:
    metric: Metric
    assessment: Assessment
    latest: Row | None
    recomputing: bool
    values: tuple[tuple[datetime.date, Decimal | None], ...] = ()  # all areas, oldest first


def metrics() -> QuerySet[Metric]:
    """Every metric with what a list or a detail page shows, and whether it is recomputing."""
    return (
        Metric.objects.select_related(
            "goal__strategy", "means", "outcome", "owner", "current_version"
        )
        .prefetch_related("targets")
        .annotate(stale=Exists(StalePeriod.objects.filter(metric=OuterRef("pk"))))
        .order_by("goal__number", "name")
    )


def metric_for_page(metric_id: int) -> Metric:
    metric = metrics().filter(pk=metric_id).first()
    if metric is None:
        raise Http404(_("No such metric."))
    return metric


def is_recomputing(metric: Metric) -> bool:
    stale = getattr(metric, "stale", None)
    if stale is None:
        stale = StalePeriod.objects.filter(metric=metric).exists()
    return bool(stale) or (metric.current_version_id is not None and metric.computed_at is None)


def first_logged_day() -> datetime.date | None:
    """The day of the earliest logged activity: the log's data begin there."""
    return Activity.objects.order_by("date").values_list("date", flat=True).first()


def window_of(metric: Metric, log_begins: datetime.date | None) -> Window:
    """What the metric is judged within: its strategy's years; its data from its own "data
    from" day, or (on the log) from the first logged activity."""
    strategy = metric.goal.strategy
    data_from = data_start(metric.kind, metric.data_from, log_begins)
    return Window(strategy.start_year, strategy.end_year, data_from)


def data_start(
    kind: str | None, data_from: datetime.date | None, log_begins: datetime.date | None
) -> datetime.date | None:
    """Where a metric's data begin: its own "data from" day, or for a metric on the log (and
    a ratio of such metrics) the first logged activity; a hand-entered one from its values."""
    if data_from is None and kind != Metric.Kind.MANUAL:
        return log_begins
    return data_from


def rows(
    version: MetricVersion,
    today: datetime.date,
    area: Area | None = None,
    window: Window | None = None,
) -> list[Row]:
    """The stored values of a version, oldest first; no data before the data begin."""
    stored = MetricValue.objects.filter(version=version, area=area).order_by("period_start")
    values = without_early_values(
        list(stored.values_list("period_start", "value")), version.period, window or Window()
    )
    return [
        Row(
            start,
            period_label(start, version.period),
            value,
            period_end(start, version.period) < today,
        )
        for start, value in values
    ]


def targets_of(metric: Metric) -> dict[int, Decimal]:
    return {target.year: target.value for target in metric.targets.all()}


def summaries(
    metric_list: list[Metric],
    today: datetime.date,
    log_begins: datetime.date | EllipsisType | None = ...,
) -> list[Summary]:
    """Status and latest complete value of each metric, in one query for all their values
    (and one for the first logged day, unless given)."""
    versions = {m.current_version_id: m for m in metric_list if m.current_version_id}
    values: dict[int, list[tuple[datetime.date, Decimal | None]]] = defaultdict(list)
    stored = MetricValue.objects.filter(version__in=versions, area=None).order_by("period_start")
    for version_id, start, value in stored.values_list("version", "period_start", "value"):
        values[version_id].append((start, value))
    if log_begins is ...:
        log_begins = first_logged_day()
    return [
        summary(metric, values[metric.version.pk], today, window_of(metric, log_begins))
        for metric in metric_list
        if metric.current_version is not None
    ]


def summary(
    metric: Metric,
    values: list[tuple[datetime.date, Decimal | None]],
    today: datetime.date,
    window: Window,
) -> Summary:
    """Status and latest complete value of a metric from its current version's values."""
    period = metric.version.period
    values = without_early_values(values, period, window)
    complete = [(s, v) for s, v in values if period_end(s, period) < today]
    latest = None
    if complete:
        start, value = complete[-1]
        latest = Row(start, period_label(start, period), value, True)
    assessment = assess(metric, values, targets_of(metric), today, window)
    return Summary(metric, assessment, latest, is_recomputing(metric), tuple(values))


def area_values(
    version: MetricVersion, period_start: datetime.date
) -> list[tuple[Area, Decimal | None]]:
    """The basic districts' values of one period, largest first (areas without value left out)."""
    stored = (
        MetricValue.objects.filter(
            version=version,
            period_start=period_start,
            area__level=Area.Level.BASIC_DISTRICT,
        )
        .select_related("area")
        .order_by("-value", "area__name")
    )
    return [(row.area, row.value) for row in stored if row.area is not None]


def first_period(metric: Metric) -> datetime.date | None:
    """The first period the metric's current version has a value for."""
    values = MetricValue.objects.filter(version=metric.current_version_id, area=None)
    return values.order_by("period_start").values_list("period_start", flat=True).first()


def history_start() -> datetime.date:
    first = Strategy.objects.order_by("start_year").values_list("start_year", flat=True).first()
    return datetime.date(first, 1, 1) if first else datetime.date.today().replace(month=1, day=1)


def period_choices(metric: Metric, today: datetime.date) -> list[tuple[str, str]]:
    """The periods a manual value can be entered for: from the history's start to now."""
    period = metric.version.period
    first = min(filter(None, [metric.baseline_period, history_start()]))
    starts = list(periods_between(first, today, period))
    return [(start.isoformat(), period_label(start, period)) for start in reversed(starts)]


def missing_periods(metric: Metric, today: datetime.date) -> list[str]:
    """Complete periods of a manual metric that have no value yet, oldest first."""
    period = metric.version.period
    measured = set(Measurement.objects.filter(metric=metric).values_list("period_start", flat=True))
    first = min(filter(None, [metric.baseline_period, history_start()]))
    return [
        period_label(start, period)
        for start in periods_between(first, today, period)
        if period_end(start, period) < today and start not in measured
    ]


def measurements(metric: Metric) -> QuerySet[Measurement]:
    return (
        Measurement.objects.filter(metric=metric)
        .select_related("entered_by")
        .order_by("-period_start")
    )


def version_of(metric: Metric, number: str | None) -> MetricVersion:
    """The version asked for by its number (an old one stays readable), or the current one."""
    if (wanted := parse_id(number)) is not None and wanted < 10**9:
        version = metric.versions.filter(number=wanted).first()
        if version is not None:
            return version
    return metric.version


def describe(metric: Metric, version: MetricVersion) -> list[tuple[str, str]]:
    """What a version counts, in words, with the names of what its ids refer to today."""
    lines = [(str(_("Period")), str(Period(version.period).label))]
    if metric.kind == Metric.Kind.RATIO:
        parts = RatioDefinition.from_json(version.definition)
        names = dict(
            Metric.objects.filter(pk__in=[parts.numerator, parts.denominator]).values_list(
                "pk", "name"
            )
        )
        missing = str(_("(deleted)"))
        lines.append((str(_("Numerator")), names.get(parts.numerator, missing)))
        if parts.per_residents:
            residents = _("Residents of the numerator's areas (public statistics), per 1,000")
            lines.append((str(_("Denominator")), str(residents)))
        else:
            lines.append((str(_("Denominator")), names.get(parts.denominator, missing)))
        return lines
    if metric.kind == Metric.Kind.MANUAL:
        return lines
    definition = ActivityDefinition.from_json(version.definition)
    lines.append((str(_("What is counted")), str(Aggregation(definition.aggregation).label)))
    if definition.age_bands:
        labels = [str(Activity._meta.get_field(band).verbose_name) for band in definition.age_bands]  # type: ignore[union-attr]
        lines.append((str(_("Age bands")), ", ".join(labels)))
    related = [
        (_("Activity types"), ActivityType, definition.types),
        (_("Inequality themes"), InequalityTheme, definition.themes),
        (_("Strategic goals served"), Goal, definition.goals),
        (_("Means used"), Means, definition.means),
        (_("Units"), Unit, definition.units),
        (_("Projects"), Project, definition.projects),
        (_("Areas"), Area, definition.areas),
    ]
    for label, model, ids in related:
        if ids:
            found = [str(obj) for obj in model.objects.filter(pk__in=ids)]  # type: ignore[attr-defined]
            lines.append((str(label), "; ".join(found)))
    if definition.partner_sectors:
        sectors = [str(Partner.Sector(s).label) for s in definition.partner_sectors]
        lines.append((str(_("Partner sectors")), ", ".join(sectors)))
    if definition.status:
        lines.append(
            (str(_("Status of the activities")), str(Activity.Status(definition.status).label))
        )
    return lines


@dataclass(frozen=True)
class GoalProgress:
    """One goal on the progress overview: its metrics' summaries, each with its sparkline (None
    when not drawn), and how many are in each state, in words (final results once the
    strategy's years are over)."""

    goal: Goal
    summaries: list[tuple[Summary, Chart | None]]
    counts: list[tuple[str, str, int]]  # (status, label, how many), in the order of Status
    reach: Reach | None = None

    @property
    def recomputing(self) -> bool:
        return any(summary.recomputing for summary, _chart in self.summaries)

    @property
    def computed_at(self) -> datetime.datetime | None:
        """When the newest of the goal's numbers were computed."""
        times = [s.metric.computed_at for s, _c in self.summaries if s.metric.computed_at]
        return max(times, default=None)


def chart_data(
    summary: Summary,
    today: datetime.date,
    values: Sequence[tuple[datetime.date, Decimal | None]] | None = None,
    *,
    span: tuple[datetime.date, datetime.date] | None = None,
    with_targets: bool = True,
) -> ChartData:
    """What a metric's chart shows: its values (the summary's, or those given); for targets
    that are levels, the baseline, the straight line to the last target and the targets (on
    the last day of their years, as the status judges them). A yearly total is not drawn
    against a period's values, nor the organisation's targets against one area's values.
    span (first and last day) cuts the line and the targets to the range shown."""
    metric = summary.metric
    period = metric.version.period
    values = summary.values if values is None else values
    points = [
        Point(start, period_label(start, period), value, period_end(start, period) < today)
        for start, value in values
    ]
    if metric.target_kind == Metric.TargetKind.YEAR_TOTAL or not with_targets:
        return ChartData(points, metric.unit, period)
    targets = [(datetime.date(y, 12, 31), v) for y, v in sorted(targets_of(metric).items())]
    baseline = None
    if metric.baseline_value is not None and metric.baseline_period is not None:
        baseline = (metric.baseline_period, metric.baseline_value)
    first = baseline or next(((s, v) for s, v in summary.values if v is not None), None)
    trajectory = (first, targets[-1]) if first and targets else None
    if span is not None:
        low, high = span
        targets = [(day, value) for day, value in targets if low <= day <= high]
        baseline = baseline if baseline and low <= baseline[0] <= high else None
        trajectory = _clipped(trajectory, low, high)
    return ChartData(points, metric.unit, period, baseline, trajectory, targets)


def _clipped(
    line: tuple[tuple[datetime.date, Decimal], tuple[datetime.date, Decimal]] | None,
    low: datetime.date,
    high: datetime.date,
) -> tuple[tuple[datetime.date, Decimal], tuple[datetime.date, Decimal]] | None:
    """The part of a straight line that lies between two days, or None."""
    if line is None:
        return None
    (day1, value1), (day2, value2) = line
    start, end = max(day1, low), min(day2, high)
    if start >= end:
        return None
    return (
        (start, on_line(day1, value1, day2, value2, start)),
        (end, on_line(day1, value1, day2, value2, end)),
    )


def progress_by_goal(
    goals: Sequence[Goal], today: datetime.date, selected: DashboardFilter | None = None
) -> list[GoalProgress]:
    """The goals with their metrics' status, in a fixed number of queries; with a filter,
    judged at the end of its range and with sparklines of its periods and area."""
    every = list(metrics().filter(goal__in=goals))
    metric_list = [m for m in every if not m.built_in]
    if selected is None:
        items: list[tuple[Summary, Chart | None]] = [
            (s, None) for s in summaries(metric_list, today)
        ]
    else:
        items = [
            (p.summary, p.chart) for p in panels(metric_list, selected, today, sparklines=True)
        ]
    reached = reach_by_goal(every, selected) if selected is not None else {}
    by_goal: dict[int, list[tuple[Summary, Chart | None]]] = defaultdict(list)
    for item in items:
        by_goal[item[0].metric.goal_id].append(item)
    order = {status: n for n, status in enumerate(Status)}
    progress = []
    for goal in goals:
        counted = Counter((s.assessment.status, s.assessment.label) for s, _c in by_goal[goal.pk])
        counts = [
            (str(status), label, n)
            for (status, label), n in sorted(counted.items(), key=lambda kv: order[kv[0][0]])
        ]
        progress.append(GoalProgress(goal, by_goal[goal.pk], counts, reached.get(goal.pk)))
    return progress


def last_computed(items: Sequence[GoalProgress]) -> datetime.datetime | None:
    """When the newest of the metrics' numbers were computed."""
    times = [s.metric.computed_at for g in items for s, _c in g.summaries if s.metric.computed_at]
    return max(times, default=None)


# The goal dashboard and the metric page: values in a range of periods and in an area.

HEAT_LEVELS = 4


@dataclass(frozen=True)
class HeatCell:
    """A value of the district breakdown; level 0–4 shades it against the table's largest."""

    value: Decimal | None
    level: int


@dataclass(frozen=True)
class Breakdown:
    """Areas side by side over the periods shown: a table that reads as a heat map."""

    labels: list[str]  # the periods, oldest first
    rows: list[tuple[Area, list[HeatCell]]]  # the areas with a value, largest total first


@dataclass(frozen=True)
class Panel:
    """A metric on the goal dashboard or its own page, as the filter asks: its status over
    all areas, judged at the end of the range; the values in the range and the area, as a
    chart and a table; the areas below it over the same periods."""

    summary: Summary
    rows: list[Row]
    chart: Chart
    breakdown: Breakdown


def parts_of(area: Area | None) -> Q:
    """The areas a breakdown lists: the basic districts, or the sub-districts of one."""
    if area is None:
        return Q(area__level=Area.Level.BASIC_DISTRICT)
    if area.level == Area.Level.BASIC_DISTRICT:
        return Q(area__parent=area)
    return Q(pk__in=[])


def panels(
    metric_list: Sequence[Metric],
    selected: DashboardFilter,
    today: datetime.date,
    *,
    sparklines: bool = False,
) -> list[Panel]:
    """The panels of the metrics' current versions, in a fixed number of queries however many
    metrics there are. With sparklines, the charts are sparklines and there is no breakdown.

    The periods are those computed for all areas that overlap the range. An area's value that
    is not stored is zero for a metric on the log (the engine stores only areas' non-zero
    values) and no data otherwise."""
    log_begins = first_logged_day()
    listed = [] if sparklines else [parts_of(selected.area)]
    if selected.area is not None:
        listed.append(Q(area=selected.area))
    by_area: dict[int, dict[int | None, dict[datetime.date, Decimal | None]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    if listed:
        # Plain tuples, unordered: the rows are many, and an area row is wide (its boundary).
        stored = MetricValue.objects.filter(
            reduce(operator.or_, listed),
            version__in=[m.current_version_id for m in metric_list if m.current_version_id],
            period_start__lte=selected.last_day,
            period_start__gt=selected.first_day - datetime.timedelta(days=366),
        ).order_by()
        for version_id, area_id, start, value in stored.values_list(
            "version", "area", "period_start", "value"
        ):
            by_area[version_id][area_id][start] = value
    areas = dict(selected.areas)
    wanted = {pk for parts in by_area.values() for pk in parts if pk is not None} - set(areas)
    if wanted:
        areas |= Area.objects.defer("boundary").in_bulk(wanted)
    result = []
    for summary in summaries(list(metric_list), selected.as_of(today), log_begins):
        metric, version = summary.metric, summary.metric.version
        columns = [
            (s, v) for s, v in summary.values if selected.covers(s, period_end(s, version.period))
        ]
        in_area = partial(_in_area, by_area[version.pk], metric.kind)

        if selected.area is None:
            values = columns
        else:
            values = [(s, in_area(selected.area.pk, s, v)) for s, v in columns]
        rows = [
            Row(s, period_label(s, version.period), v, period_end(s, version.period) < today)
            for s, v in values
        ]
        data = chart_data(
            summary,
            today,
            values,
            span=(selected.first_day, selected.last_day),
            with_targets=selected.area is None,
        )
        status = summary.assessment.label if selected.area is None else ""
        drawn = chart(data, sparkline=sparklines, status=status)
        parts = {
            areas[pk]: [in_area(pk, s, v) for s, v in columns]
            for pk in by_area[version.pk]
            if pk is not None and (selected.area is None or pk != selected.area.pk)
        }
        result.append(Panel(summary, rows, drawn, _breakdown(rows, parts)))
    return result


def _in_area(
    stored: dict[int | None, dict[datetime.date, Decimal | None]],
    kind: str,
    area: int,
    start: datetime.date,
    all_areas: Decimal | None,
) -> Decimal | None:
    """An area's value of a period, from what is stored (see panels)."""
    if all_areas is None:  # no data for the period at all
        return None
    return stored[area].get(start, Decimal(0) if kind == Metric.Kind.ACTIVITY else None)


def _breakdown(rows: Sequence[Row], parts: dict[Area, list[Decimal | None]]) -> Breakdown:
    """The areas' values over the periods of rows, those with some value other than zero."""
    table = [(area, cells) for area, cells in parts.items() if any(cells)]
    highest = max((v for _a, cells in table for v in cells if v is not None), default=None)

    def heat(value: Decimal | None) -> HeatCell:
        if value is None or highest is None or highest <= 0 or value <= 0:
            return HeatCell(value, 0)
        return HeatCell(value, max(1, math.ceil(value / highest * HEAT_LEVELS)))

    table.sort(key=lambda item: (-sum(v for v in item[1] if v is not None), item[0].name))
    return Breakdown(
        [row.label for row in rows], [(area, [heat(v) for v in cells]) for area, cells in table]
    )


def goals_of(strategy: Strategy | None) -> list[Goal]:
    """The goals of a strategy, in order."""
    return list(
        Goal.objects.filter(strategy=strategy).select_related("strategy").order_by("number")
    )


def goal_of(strategy: Strategy | None, number: int) -> Goal:
    goal = Goal.objects.filter(strategy=strategy, number=number).select_related("strategy").first()
    if goal is None:
        raise Http404(_("No such strategic goal."))
    return goal


def recent_activities(
    *, user: User, goal: Goal, selected: DashboardFilter, limit: int = 8
) -> list[Activity]:
    """The latest done activities linked to the goal in the range and area, that the user may
    see; newest first."""
    linked = Activity.goals.through.objects.filter(  # type: ignore[attr-defined]
        activity=OuterRef("pk"), goal=goal
    )
    filters = {"date_from": selected.first_day, "date_to": selected.last_day}
    listed = activity_list(user=user).prefetch_related(None)
    activities = activity_filter(listed, filters | {"area": selected.area})
    done = activities.filter(Exists(linked), status=Activity.Status.DONE)
    return list(done.order_by("-date", "-pk")[:limit])


def active_goals() -> list[Goal]:
    """The goals of the active strategy, in order."""
    goals = Goal.objects.filter(strategy__status=Strategy.Status.ACTIVE)
    return list(goals.select_related("strategy").order_by("number"))


@dataclass(frozen=True)
class Reach:
    """A goal's volume and reach in a filter's range and area, from its built-in metrics'
    stored values: its done activities and their participants (None: not computed)."""

    activities: Decimal | None
    participants: Decimal | None
    metrics: dict[str, Metric]  # by Metric.BuiltIn, for links


def reach_by_goal(metric_list: Sequence[Metric], selected: DashboardFilter) -> dict[int, Reach]:
    """The goals' reach in the range and the area, from the built-in metrics among those given:
    their quarters in the range added up (an area's missing value is zero: only non-zero
    ones are stored). One query."""
    by_version = {
        m.current_version_id: m for m in metric_list if m.built_in and m.current_version_id
    }
    area = Q(area=selected.area) if selected.area else Q(area__isnull=True)
    totals: dict[int, Decimal | None] = dict(
        MetricValue.objects.filter(
            area,
            version__in=by_version,
            period_start__gte=selected.first_day,
            period_start__lte=selected.last_day,
        )
        .values("version")
        .annotate(total=Sum("value"))
        .values_list("version", "total")
    )
    found: dict[int, dict[str, Metric]] = defaultdict(dict)
    sums: dict[tuple[int, str], Decimal | None] = {}
    for version_id, metric in by_version.items():
        found[metric.goal_id][metric.built_in] = metric
        computed = metric.computed_at is not None
        sums[metric.goal_id, metric.built_in] = totals.get(
            version_id, Decimal(0) if computed else None
        )
    return {
        goal_id: Reach(
            sums.get((goal_id, Metric.BuiltIn.ACTIVITIES)),
            sums.get((goal_id, Metric.BuiltIn.PARTICIPANTS)),
            metrics,
        )
        for goal_id, metrics in found.items()
    }

"""Metric values computed by SQL aggregation in the database.

Activity metrics that read the same rows share their queries: the versions of one batch (same
source table, same period length) become the aggregates of a single GROUP BY, each with its
own FILTER (WHERE …) clause. Each batch runs three such queries: all areas together, per basic
district (a sub-district's activities count for its basic district) and per sub-district.
Nothing here loops over activities in Python; Python sees one row per period and area.

Values of the areas are stored only when they are not zero; all-areas values are stored for
every period of the history, zero included, so that a missing row always means "not computed".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Sum, When
from django.db.models.functions import Trunc

from goals.models import Strategy
from measures.definitions import ActivityDefinition, Aggregation, RatioDefinition
from measures.models import Measurement, Metric, MetricValue, MetricVersion
from measures.periods import next_period, period_start, periods_between
from neighbourhoods.models import Activity, Area, Signal

SUB_DISTRICT = Area.Level.SUB_DISTRICT
BASIC_DISTRICT = Area.Level.BASIC_DISTRICT


@dataclass(frozen=True)
class ComputedValue:
    period_start: datetime.date
    area_id: int | None
    value: Decimal | None


@dataclass(frozen=True)
class Span:
    """The periods to compute: from the one containing first to the one containing last."""

    first: datetime.date
    last: datetime.date

    def starts(self, period: str) -> list[datetime.date]:
        return list(periods_between(self.first, self.last, period))


def history_span(today: datetime.date) -> Span:
    """From the start of the earliest strategy, or the earliest day logged or measured, to today."""
    firsts = [
        datetime.date(year, 1, 1)
        for year in Strategy.objects.order_by("start_year").values_list("start_year", flat=True)[:1]
    ]
    for model, field in ((Activity, "date"), (Signal, "date"), (Measurement, "period_start")):
        first = model.objects.order_by(field).values_list(field, flat=True).first()
        if first is not None:
            firsts.append(first)
    return Span(min([*firsts, today]), today)


# --- Activity metrics -----------------------------------------------------------------------


RELATED_FILTERS = ("themes", "goals", "means", "partner_sectors")


def _source(definition: ActivityDefinition) -> str:
    """Which rows the aggregation reads; versions of one source can share a query."""
    if definition.on_signals:
        return "signals"
    if definition.aggregation == Aggregation.PARTNERS:
        # Joins the partners, which repeats rows: sums must not share this query.
        return "partners"
    return "activities"


def _shares_scans(definition: ActivityDefinition) -> bool:
    """Whether a definition's condition can be a FILTER clause of a shared query.

    A many-to-many filter cannot: inside FILTER it can only run as a subplan, which
    PostgreSQL hashes only while it fits in work_mem and otherwise re-reads for every row.
    In WHERE it becomes a semi-join, which works at any size; such a definition gets a
    query of its own.
    """
    return not any(getattr(definition, name) for name in RELATED_FILTERS)


def _related(
    model: type[Activity] | type[Signal], lookup: str, values: Sequence[Any], dates: Q
) -> Q:
    """Rows linked to any of values through a many-to-many lookup, without repeating rows.

    The subquery is limited to the dates being computed: a month's recompute must not read
    the links of every activity ever logged.
    """
    linked = model.objects.filter(dates, **{f"{lookup}__in": values}).values("pk")
    return Q(pk__in=linked)


def condition(definition: ActivityDefinition, dates: Q | None = None) -> Q:
    """The rows a definition counts, as a condition on Activity (or Signal)."""
    d = definition
    dates = dates or Q()
    model: type[Activity] | type[Signal] = Signal if d.on_signals else Activity
    q = Q()
    if d.units:
        q &= Q(unit__in=d.units)
    if d.areas:
        q &= Q(area__in=d.areas) | Q(area__parent__in=d.areas)
    if d.themes:
        q &= _related(model, "themes", d.themes, dates)
    if d.on_signals:
        return q
    if d.types:
        q &= Q(type__in=d.types)
    if d.projects:
        q &= Q(project__in=d.projects)
    if d.status:
        q &= Q(status=d.status)
    if d.goals:
        q &= _related(Activity, "goals", d.goals, dates)
    if d.means:
        q &= _related(Activity, "means", d.means, dates)
    if d.partner_sectors:
        q &= _related(Activity, "partners__sector", d.partner_sectors, dates)
    return q


def aggregate(
    definition: ActivityDefinition, dates: Q | None = None, *, in_filter: bool = True
) -> Any:
    """The SQL aggregate of a definition, restricted to its rows by FILTER (WHERE …), unless
    the query's own WHERE already does that (``in_filter=False``)."""
    cond = condition(definition, dates) if in_filter else Q()
    only = cond if cond else None
    match definition.aggregation:
        case Aggregation.ACTIVITIES | Aggregation.SIGNALS:
            return Count("pk", filter=only)
        case Aggregation.AREAS:
            return Count("area", distinct=True, filter=only)
        case Aggregation.PARTNERS:
            return Count("partners", distinct=True, filter=only)
        case Aggregation.PARTICIPANTS if definition.age_bands:
            total: Any = F(definition.age_bands[0])
            for band in definition.age_bands[1:]:
                total += F(band)
            return Sum(total, filter=only)
        case Aggregation.PARTICIPANTS:
            return Sum("participants_total", filter=only)
        case Aggregation.NEW_PARTICIPANTS:
            return Sum("new_participants", filter=only)
        case Aggregation.VOLUNTEERS:
            return Sum("volunteers", filter=only)
        case Aggregation.VOLUNTEER_HOURS:
            return Sum("volunteer_hours", filter=only)
    raise ValueError(definition.aggregation)


def _dates(period: str, span: Span) -> Q:
    """The days of the span's periods, whole."""
    return Q(date__gte=period_start(span.first, period), date__lt=_after(span.last, period))


def _base(source: str, period: str, span: Span) -> QuerySet[Any]:
    rows: QuerySet[Any]
    if source == "signals":
        rows = Signal.objects.filter(_dates(period, span))
    elif source == "partners":
        # Only activities with partners count partners: an inner join, not a left one.
        rows = Activity.objects.filter(_dates(period, span), partners__isnull=False)
    else:
        rows = Activity.objects.filter(_dates(period, span))
    return rows.annotate(period=Trunc("date", period, output_field=DateField())).order_by()


def _after(day: datetime.date, period: str) -> datetime.date:
    """The first day after the period that contains day."""
    return next_period(period_start(day, period), period)


def _levels(base: QuerySet[Any]) -> Iterable[tuple[str | None, QuerySet[Any]]]:
    """The three groupings: all areas, basic districts, sub-districts (key, grouped rows)."""
    basic = Case(
        When(area__level=SUB_DISTRICT, then=F("area__parent")),
        When(area__level=BASIC_DISTRICT, then=F("area")),
        default=None,
    )
    yield None, base.values("period")
    yield (
        "basic",
        base.annotate(basic=basic).filter(basic__isnull=False).values("period", "basic"),
    )
    yield "area", base.filter(area__level=SUB_DISTRICT).values("period", "area")


def compute_activity_versions(
    versions: Sequence[MetricVersion], span: Span
) -> dict[int, list[ComputedValue]]:
    """Values of activity metric versions over the span, sharing queries where they can."""
    return compute_definitions(
        [(v.pk, v.period, ActivityDefinition.from_json(v.definition)) for v in versions], span
    )


def compute_definitions(
    items: Sequence[tuple[Hashable, str, ActivityDefinition]], span: Span
) -> dict[Any, list[ComputedValue]]:
    """Values of (key, period, definition) items over the span; the key names the result.

    Items of one source table and one period are computed together, by one query per level.
    """
    batches: dict[tuple[str, str, int], list[tuple[Hashable, ActivityDefinition]]] = defaultdict(
        list
    )
    for index, (key, period, definition) in enumerate(items):
        alone = 0 if _shares_scans(definition) else index + 1
        batches[_source(definition), period, alone].append((key, definition))
    results: dict[Any, list[ComputedValue]] = {key: [] for key, _period, _d in items}
    for (source, period, alone), members in batches.items():
        names = {key: f"m{index}" for index, (key, _d) in enumerate(members)}
        dates = _dates(period, span)
        base = _base(source, period, span)
        if alone:
            ((_key, definition),) = members
            base = base.filter(condition(definition, dates))
            aggregates = {names[_key]: aggregate(definition, dates, in_filter=False)}
        else:
            aggregates = {names[k]: aggregate(d, dates) for k, d in members}
        for level, grouped in _levels(base):
            seen: dict[Hashable, set[datetime.date]] = defaultdict(set)
            for row in grouped.annotate(**aggregates):
                area_id = row[level] if level else None
                for key, name in names.items():
                    value = row[name] or 0
                    if level is None:
                        seen[key].add(row["period"])
                    elif not value:
                        continue
                    results[key].append(ComputedValue(row["period"], area_id, Decimal(value)))
            if level is None:
                # Every period of the span has an all-areas value; no activity is zero.
                for key in names:
                    results[key] += [
                        ComputedValue(start, None, Decimal(0))
                        for start in span.starts(period)
                        if start not in seen[key]
                    ]
    return results


# --- Manual and ratio metrics ---------------------------------------------------------------


def compute_manual(version: MetricVersion, span: Span) -> list[ComputedValue]:
    """The measurements entered for the span's periods (all areas)."""
    rows = Measurement.objects.filter(
        metric=version.metric_id,
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("period_start", "value")
    return [ComputedValue(start, None, value) for start, value in rows]


def compute_ratio(version: MetricVersion, span: Span) -> list[ComputedValue]:
    """Numerator divided by denominator, from their stored values; zero divides to no data."""
    definition = RatioDefinition.from_json(version.definition)
    parts = dict(
        Metric.objects.filter(pk__in=[definition.numerator, definition.denominator]).values_list(
            "pk", "current_version"
        )
    )
    numerator_version = parts.get(definition.numerator)
    denominator_version = parts.get(definition.denominator)
    if numerator_version is None or denominator_version is None:
        return []
    stored = MetricValue.objects.filter(
        version__in=[numerator_version, denominator_version],
        period_start__gte=period_start(span.first, version.period),
        period_start__lte=span.last,
    ).values_list("version", "period_start", "area", "value")
    numerators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    denominators: dict[tuple[datetime.date, int | None], Decimal | None] = {}
    for version_id, start, area_id, value in stored:
        target = numerators if version_id == numerator_version else denominators
        target[start, area_id] = value
    results = []
    for key in sorted(set(numerators) | set(denominators), key=lambda k: (k[0], k[1] or 0)):
        top, bottom = numerators.get(key) or Decimal(0), denominators.get(key)
        scale = 100 if definition.percent else 1
        value = top / bottom * scale if bottom else None
        if key[1] is None or value is not None:
            results.append(ComputedValue(key[0], key[1], value))
    return results

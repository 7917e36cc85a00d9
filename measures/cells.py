"""The SQL that computes many activity metrics in one pass over the log.

computation.compute_periods hands this module the definitions of one source table (activities
or signals) and the months to compute. One statement reads the rows of those months once and
groups them by month and area, with one aggregate per definition, each restricted to the
definition's rows by FILTER (WHERE …). Python (computation._roll_up) adds the cells up to
periods and area levels.

Many-to-many filters (themes, goals, means, partner sectors) are read from each link table
once: a subquery groups the links by activity, with a 0/1 column per filter ("is this activity
linked to any of these goals?"), and is joined to the rows. This is a join, not a subplan per
row, so it works at any size, and every definition in the statement shares it. (A filter
written as ``id IN (subquery)`` inside FILTER is a subplan that PostgreSQL hashes only while it
fits in work_mem; past that it re-reads the subquery for every row.)

Distinct partners cannot be added up from monthly counts: a partner met in January and in
March is one partner in the quarter. Their statement lists the distinct (month, area, partner)
cells, with how many of the partner's activities there count for each definition; Python
collects each period's and area level's partners.

After an edit (changes.py) the same statements read only a few rows: the edited rows
(row_cells, row_partners: what each counts for each definition), the rows of some areas, or
the activities of some partners (see Only). Those rows are picked once, through the indexes,
into a common table that the link subqueries share.

The SQL is written by hand because the ORM cannot join a grouped subquery; it stays portable
(PostgreSQL and SQLite) by taking the date functions from the database backend, and every value
is a query parameter.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection

from measures.definitions import ActivityDefinition, Aggregation
from measures.models import VALUE_QUANTUM
from neighbourhoods.models import Activity, Partner, Signal

Ranges = Sequence[tuple[datetime.date, datetime.date]]  # [first day, day after) pairs
AreaTree = Mapping[int, tuple[str, int | None]]  # area id: (level, parent id)


@dataclass(frozen=True)
class Link:
    """A many-to-many link of the rows: the link table, its column naming the row, and the
    expression of the value a filter compares (with the join that value needs)."""

    table: str
    owner: str
    value: str
    join: str = ""


def _link(model: type[Activity] | type[Signal], name: str) -> Link:
    related = model._meta.get_field(name)
    return Link(
        related.m2m_db_table(),  # type: ignore[union-attr]
        related.m2m_column_name(),  # type: ignore[union-attr]
        f"l.{related.m2m_reverse_name()}",  # type: ignore[union-attr]
    )


def _links(model: type[Activity] | type[Signal]) -> dict[str, Link]:
    if model is Signal:
        return {"themes": _link(Signal, "themes")}
    partners = _link(Activity, "partners")
    return {
        "themes": _link(Activity, "themes"),
        "goals": _link(Activity, "goals"),
        "means": _link(Activity, "means"),
        "partner_sectors": Link(
            partners.table,
            partners.owner,
            "p.sector",
            f"JOIN {Partner._meta.db_table} p ON p.id = {partners.value}",
        ),
    }


@dataclass
class Sql:
    """SQL text with its parameters, in order."""

    text: str = ""
    params: list[Any] = field(default_factory=list)

    def add(self, text: str, *params: Any) -> Sql:
        self.text += text
        self.params += params
        return self


def _in(column: str, values: Sequence[Any]) -> Sql:
    return Sql(f"{column} IN ({', '.join(['%s'] * len(values))})", list(values))


def _and(parts: Sequence[Sql]) -> Sql:
    joined = Sql()
    for index, part in enumerate(parts):
        joined.add((" AND " if index else "") + f"({part.text})", *part.params)
    return joined


def _dates(column: str, ranges: Ranges) -> Sql:
    """The days of the ranges, as ((a <= day < b) OR …)."""
    adapt = connection.ops.adapt_datefield_value
    sql = Sql("(")
    for index, (first, after) in enumerate(ranges):
        sql.add(
            (" OR " if index else "") + f"({column} >= %s AND {column} < %s)",
            adapt(first),
            adapt(after),
        )
    return sql.add(")")


# Up to this many months, a link subquery reads only the links of the months' rows.
FEW_MONTHS = 12


def _months(ranges: Ranges) -> int:
    return sum(
        (after.year - first.year) * 12 + after.month - first.month for first, after in ranges
    )


@dataclass(frozen=True)
class Only:
    """A restriction of the rows read: to some rows, to those in some areas, or (activities
    only) to those linked to some partners. What a recompute after an edit reads again."""

    model: type[Activity] | type[Signal]
    ids: Sequence[int] | None = None
    areas: Sequence[int] | None = None
    partners: Sequence[int] | None = None

    def condition(self, alias: str) -> Sql:
        parts = []
        if self.ids is not None:
            parts.append(_in(f"{alias}.id", self.ids or [0]))
        if self.areas is not None:
            parts.append(_in(f"{alias}.area_id", self.areas or [0]))
        if self.partners is not None:  # activities only: signals have no partners
            link = Activity._meta.get_field("partners")
            table = link.m2m_db_table()
            owner = link.m2m_column_name()
            test = _in(f"x.{link.m2m_reverse_name()}", self.partners or [0])
            select = f"SELECT x.{owner} FROM {table} x WHERE {test.text}"
            parts.append(Sql(f"{alias}.id IN ({select})", test.params))
        return _and(parts) if parts else Sql("1 = 1")


class _Flags:
    """The 0/1 columns of the link subqueries: one per (link, values) used by a definition."""

    def __init__(self, links: dict[str, Link]) -> None:
        self.links = links
        self.columns: dict[str, dict[tuple[Any, ...], str]] = {}

    def condition(self, name: str, values: Sequence[Any]) -> Sql:
        columns = self.columns.setdefault(name, {})
        column = columns.setdefault(tuple(values), f"f{len(columns)}")
        return Sql(f"k_{name}.{column} = 1")

    def joins(self, table: str, ranges: Ranges, only: Only | None = None) -> Sql:
        """LEFT JOIN one grouped subquery per link used (aliases k_<name>)."""
        sql = Sql()
        for name, columns in self.columns.items():
            link = self.links[name]
            flags = Sql()
            for values, column in columns.items():
                test = _in(link.value, values)
                flags.add(f", MAX(CASE WHEN {test.text} THEN 1 ELSE 0 END) AS {column}")
                flags.params += test.params
            where = _in(link.value, sorted({v for values in columns for v in values}))
            if only is not None:
                # Only the links of the chosen rows (see _chosen).
                where.add(f" AND l.{link.owner} IN (SELECT c.id FROM {CHOSEN} c)")
            elif _months(ranges) <= FEW_MONTHS:
                # Only the links of those months' rows, found through the date index. Over
                # longer spans reading the link table whole is cheaper.
                dates = _dates("d.date", ranges)
                where.add(f" AND l.{link.owner} IN (SELECT d.id FROM {table} d WHERE ")
                where.add(f"{dates.text})", *dates.params)
            sql.add(
                f" LEFT JOIN (SELECT l.{link.owner} AS row_id{flags.text}"
                f" FROM {link.table} l {link.join} WHERE {where.text}"
                f" GROUP BY l.{link.owner}) k_{name} ON k_{name}.row_id = r.id",
                *flags.params,
                *where.params,
            )
        return sql


CHOSEN = "chosen"


def _chosen(table: str, ranges: Ranges, only: Only | None) -> tuple[Sql, str]:
    """The WITH clause (or nothing) and the table to read the rows from.

    Restricted by ``only``, the rows are few (the edited rows, an area's, a few partners'):
    they are picked once, through the indexes, into a common table that the link subqueries
    share, rather than each link subquery finding them again.
    """
    if only is None:
        return Sql(), table
    rows = only.condition("c")
    if ranges:
        dates = _dates("c.date", ranges)
        rows = Sql(f"{dates.text} AND {rows.text}", [*dates.params, *rows.params])
    return Sql(
        f"WITH {CHOSEN} AS (SELECT * FROM {table} c WHERE {rows.text}) ", rows.params
    ), CHOSEN


def _for_few_rows(cursor: Any) -> None:
    """Tell PostgreSQL, for the rest of the transaction, that the statements read few rows.

    Restricted statements read a few thousand rows in milliseconds; compiling them to machine
    code (JIT, which the planner starts above a cost that a district's rows reach) takes
    hundreds of milliseconds, and starting parallel workers more than the work they share.
    Outside a transaction a SET LOCAL would do nothing, so it is not sent.
    """
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _row_condition(definition: ActivityDefinition, flags: _Flags, areas: AreaTree) -> Sql | None:
    """Whether a row counts for the definition; None when every row does."""
    d = definition
    parts = []
    if d.units:
        parts.append(_in("r.unit_id", d.units))
    if d.areas:
        # A basic district includes its sub-districts.
        chosen = set(d.areas)
        inside = [pk for pk, (_level, parent) in areas.items() if pk in chosen or parent in chosen]
        parts.append(_in("r.area_id", sorted(inside) or [0]))
    for name in ("themes", "goals", "means", "partner_sectors"):
        values = getattr(d, name)
        if values and name in flags.links:
            parts.append(flags.condition(name, values))
    if not d.on_signals:
        if d.types:
            parts.append(_in("r.type_id", d.types))
        if d.projects:
            parts.append(_in("r.project_id", d.projects))
        if d.status:
            parts.append(Sql("r.status = %s", [d.status]))
    return _and(parts) if parts else None


def _cell_aggregate(definition: ActivityDefinition, condition: Sql | None) -> Sql:
    """The aggregate of a definition over one month in one area. Months and areas add up to
    periods and districts; distinct areas are counted from the cells' row counts."""
    d = definition
    match d.aggregation:
        case Aggregation.ACTIVITIES | Aggregation.SIGNALS | Aggregation.AREAS:
            sql = Sql("COUNT(*)")
        case Aggregation.PARTICIPANTS if d.age_bands:
            sql = Sql(f"SUM({' + '.join(f'r.{band}' for band in d.age_bands)})")
        case Aggregation.PARTICIPANTS:
            sql = Sql("SUM(r.participants_total)")
        case Aggregation.NEW_PARTICIPANTS | Aggregation.VOLUNTEERS | Aggregation.VOLUNTEER_HOURS:
            sql = Sql(f"SUM(r.{d.aggregation})")
        case _:
            raise ValueError(d.aggregation)
    if condition is not None:
        sql.add(f" FILTER (WHERE {condition.text})", *condition.params)
    return sql


def _month(column: str) -> tuple[Sql, Sql]:
    """The year and the month of a date column, as whole numbers.

    On PostgreSQL, migration measures/0004 gives the planner statistics on exactly these
    expressions (with the area), so that it hashes the groups rather than sorting every row:
    change both together.
    """
    year, year_params = connection.ops.date_extract_sql("year", column, ())
    month, month_params = connection.ops.date_extract_sql("month", column, ())
    # PostgreSQL's EXTRACT gives numeric, whose division is not whole-number division.
    return (
        Sql(f"CAST({year} AS INTEGER)", list(year_params)),
        Sql(f"CAST({month} AS INTEGER)", list(month_params)),
    )


def _number(value: Any) -> Any:
    """A sum as read from the database: floating point (SQLite's decimals) to Decimal."""
    if isinstance(value, float):
        return Decimal(repr(value)).quantize(VALUE_QUANTUM)
    return value


def monthly_cells(
    model: type[Activity] | type[Signal],
    definitions: Sequence[ActivityDefinition],
    ranges: Ranges,
    areas: AreaTree,
    only: Only | None = None,
) -> list[tuple[datetime.date, int, list[Any]]]:
    """(first day of the month, area id, one value per definition) for every month and area
    of the ranges that has rows (of the rows ``only`` allows, when given)."""
    return [cell[1:] for cell in _monthly(model, definitions, ranges, areas, only, per_row=False)]


def row_cells(
    model: type[Activity] | type[Signal],
    definitions: Sequence[ActivityDefinition],
    rows: Sequence[int],
    areas: AreaTree,
) -> dict[int, tuple[datetime.date, int, list[Any]]]:
    """What each of these rows counts for each definition: its month, its area and one value
    per definition (0 or empty where it does not count). Rows that no longer exist are left
    out."""
    only = Only(model, ids=rows)
    return {
        row: (month, area, values)
        for row, month, area, values in _monthly(model, definitions, [], areas, only, per_row=True)
    }


def _monthly(
    model: type[Activity] | type[Signal],
    definitions: Sequence[ActivityDefinition],
    ranges: Ranges,
    areas: AreaTree,
    only: Only | None,
    *,
    per_row: bool,
) -> list[tuple[Any, datetime.date, int, list[Any]]]:
    """monthly_cells(), grouped by row too when per_row (the row id first, else None)."""
    table = model._meta.db_table
    flags = _Flags(_links(model))
    aggregates = [_cell_aggregate(d, _row_condition(d, flags, areas)) for d in definitions]
    year, month = _month("r.date")
    joins = flags.joins(table, ranges, only)
    sql, source = _chosen(table, ranges, only)
    group = Sql("r.id, " if per_row else "").add(year.text, *year.params).add(", ")
    group.add(month.text, *month.params).add(", r.area_id")
    sql.add("SELECT ").add(group.text, *group.params)
    for aggregate in aggregates:
        sql.add(", ").add(aggregate.text, *aggregate.params)
    sql.add(f" FROM {source} r").add(joins.text, *joins.params)
    if only is None:  # (the chosen rows are those of the dates already)
        dates = _dates("r.date", ranges)
        sql.add(f" WHERE {dates.text}", *dates.params)
    sql.add(f" GROUP BY {group.text}", *group.params)
    with connection.cursor() as cursor:
        if only is not None:
            _for_few_rows(cursor)
        cursor.execute(sql.text, sql.params)
        found = cursor.fetchall()
    if not per_row:
        found = [(None, *cell) for cell in found]
    return [
        (row, datetime.date(int(y), int(m), 1), area, [_number(v) for v in values])
        for row, y, m, area, *values in found
    ]


# --- Distinct partners ----------------------------------------------------------------------


FETCH_CHUNK = 10_000


def partner_cells(
    definitions: Sequence[ActivityDefinition],
    ranges: Ranges,
    areas: AreaTree,
    only: Only | None = None,
) -> Iterator[tuple[datetime.date, int, int, list[int]]]:
    """(first day of the month, area id, partner id, one count per definition) for every
    distinct partner met in each month and area of the ranges: how many of the partner's
    activities there count for the definition. With ``only``, just the rows it allows (and
    of the partners' links, those partners)."""
    for _row, month, area, partner, counts in _partners(
        definitions, ranges, areas, only, per_row=False
    ):
        yield month, area, partner, counts


def row_partners(
    definitions: Sequence[ActivityDefinition], rows: Sequence[int], areas: AreaTree
) -> dict[int, tuple[datetime.date, int, list[list[int]]]]:
    """The partners each of these activities counts for each definition: its month, its area
    and, per definition, the partners it counts (none where it does not count)."""
    found: dict[int, tuple[datetime.date, int, list[list[int]]]] = {}
    only = Only(Activity, ids=rows)
    for row, month, area, partner, counts in _partners(definitions, [], areas, only, per_row=True):
        counted = found.setdefault(row, (month, area, [[] for _definition in definitions]))[2]
        for index, count in enumerate(counts):
            if count:
                counted[index].append(partner)
    return found


def _partners(
    definitions: Sequence[ActivityDefinition],
    ranges: Ranges,
    areas: AreaTree,
    only: Only | None,
    *,
    per_row: bool,
) -> Iterator[tuple[Any, datetime.date, int, int, list[int]]]:
    """partner_cells(), grouped by row too when per_row (the row id first, else None)."""
    table = Activity._meta.db_table
    partners = _link(Activity, "partners")
    flags = _Flags(_links(Activity))
    conditions = [_row_condition(d, flags, areas) for d in definitions]
    year, month = _month("r.date")
    # The chosen rows are those of the dates already; of the partners' links, those partners.
    where = Sql("1 = 1") if only is not None else _dates("r.date", ranges)
    if only is not None and only.partners is not None:
        where = _in(partners.value, only.partners or [0])
    joins = flags.joins(table, ranges, only)
    sql, source = _chosen(table, ranges, only)
    group = Sql("r.id, " if per_row else "").add(year.text, *year.params).add(", ")
    group.add(month.text, *month.params).add(f", r.area_id, {partners.value}")
    sql.add("SELECT ").add(group.text, *group.params)
    for condition in conditions:
        if condition is None:
            sql.add(", COUNT(*)")
        else:
            sql.add(f", SUM(CASE WHEN {condition.text} THEN 1 ELSE 0 END)", *condition.params)
    sql.add(f" FROM {source} r JOIN {partners.table} l ON l.{partners.owner} = r.id")
    sql.add(joins.text, *joins.params).add(f" WHERE {where.text}", *where.params)
    sql.add(f" GROUP BY {group.text}", *group.params)
    months: dict[tuple[int, int], datetime.date] = {}
    with connection.cursor() as cursor:
        if only is not None:
            _for_few_rows(cursor)
        cursor.execute(sql.text, sql.params)
        # In chunks: there can be hundreds of thousands of rows, and the caller folds them.
        while rows := cursor.fetchmany(FETCH_CHUNK):
            for found in rows:
                row, (y, m, area, partner, *counts) = (
                    (found[0], found[1:]) if per_row else (None, found)
                )
                first = months.get((y, m)) or months.setdefault((y, m), datetime.date(y, m, 1))
                yield row, first, area, partner, counts

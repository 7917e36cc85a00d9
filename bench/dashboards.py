"""How fast the dashboards answer at 1,000,000 activities and 50 metrics.

    make bench-dashboards                                   # 1,000,000 activities
    make bench-dashboards BENCH_ARGS="--activities 50000"   # a quick run
    make bench-dashboards BENCH_ARGS="--keep"               # reuse the generated database
    DEBUG=true uv run --frozen python bench/dashboards.py [--activities N] [--keep]
        [--repeat N] [--database-url postgres://postgres@127.0.0.1:5432/kalliola_bench]

The benchmark works in the metrics benchmark's database and builds it the same way, with that
benchmark's own code (bench/metrics.py): kalliola_bench by default, dropped and recreated unless
--keep finds as many activities in it, migrated, with the strategy, Helsinki's districts and the
generated log. It defines the same 50 metrics again (measures.services.metric_save) and each
goal's two built-in metrics (which defining the 50 removes), computes them all
(measures.services.recompute_all(), then the stale sweep until no stale mark is left, so that
no page shows "recomputing"), and vacuums and analyses the values, as autovacuum would have
long since done in production.

It then serves each dashboard page and fragment through Django's test client, logged in as a
leadership user, with DEBUG off as in production (the static files collected into a temporary
folder for the manifest storage; requests over HTTPS, as behind the proxy). Every URL is asked
for three times to warm up, then --repeat times (30) in rounds over all of them, each timed
with time.perf_counter() around the request and the reading of its body: the server's time,
without a network. It prints the median (p50), the 95th percentile (nearest rank) and the
slowest, the time spent executing SQL (median), the number of queries of one further request
(counted with CaptureQueriesContext, not timed) and the size of the response; then which pages
exceed the target, 50 ms at p95, with the slowest statements of each. The metric's Excel
download is measured too, but is not a page and has no target. It is a benchmark, not a test:
it exits with 0 whatever the figures are.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import metrics as metric_bench  # noqa: E402  (bench/metrics.py: the database and the metrics)

TARGET_P95_MS = 50.0
WARM_UP = 3
USERNAME = "bench-leadership"
AREA = ("Kallio", "basic_district")  # the area of the filtered pages: a busy basic district
METRIC = "Osallistujat"  # goal 2's participants, monthly: the metric of the metric pages
YEAR = "2025"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    metric_bench.database_arguments(parser)
    parser.add_argument(
        "--repeat",
        type=int,
        default=30,
        metavar="N",
        help=f"timed requests per URL, after {WARM_UP} to warm up (default %(default)s)",
    )
    args = parser.parse_args()
    if args.activities < 1000:
        parser.error("--activities must be at least 1000.")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1.")
    return args


# --- The database -------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, static_root: str) -> float:
    """The metrics benchmark's database with its log; returns the seconds spent generating
    the log (0 when reused). Sets Django up with DEBUG off."""
    url = args.database_url
    params = metric_bench.connection_params(url)
    reuse = args.keep and metric_bench.existing_activities(params) == args.activities
    if not reuse:
        print(f"Recreating the database {params['dbname']} …", flush=True)
        metric_bench.recreate_database(params)
    # As in production: DEBUG off, so the manifest storage for static files (collected below)
    # and HTTPS only; the test client's host allowed.
    os.environ["DEBUG"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["STATIC_ROOT"] = static_root
    metric_bench.setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    if reuse:
        call_command("import_area_statistics", verbosity=0)  # safe to run again
        print(f"Reusing {params['dbname']}: it holds {args.activities:,} activities.")
        return 0.0
    call_command("load_strategy", verbosity=0)
    call_command("import_districts", verbosity=0)
    call_command("import_area_statistics", verbosity=0)
    print(f"Generating {args.activities:,} activities …", flush=True)
    start = time.perf_counter()
    rows = metric_bench.generate(args.activities)
    generation = time.perf_counter() - start
    print(f"Generated in {generation:.0f} s: " + ", ".join(f"{v:,} {k}" for k, v in rows.items()))
    return generation


def compute_metrics() -> tuple[list[metric_bench.Defined], int, float]:
    """The metrics benchmark's 50 metrics, defined again, and every goal's built-in metrics
    (which defining them removed), all computed; no stale mark left. Returns the metrics
    defined, how many built-in ones and the seconds the computing took."""
    from django.db import connection

    from goals.models import Goal
    from measures import services
    from measures.models import Metric, StalePeriod

    defined = metric_bench.define_metrics()
    built_in = sum(
        len(services.built_in_metrics_ensure(goal))
        for goal in Goal.objects.select_related("strategy")
    )
    print(
        f"Defined {len(defined)} metrics and {built_in} built-in ones; computing them …",
        flush=True,
    )
    start = time.perf_counter()
    services.recompute_all()
    rounds = 0
    while StalePeriod.objects.exists() and rounds < 5:
        services.recompute_stale()
        rounds += 1
    seconds = time.perf_counter() - start
    stale = StalePeriod.objects.count()
    uncomputed = Metric.objects.filter(current_version__isnull=False, computed_at__isnull=True)
    if stale or uncomputed.exists():
        print(
            f"  WARNING: {stale} stale marks left, not computed: "
            + (", ".join(uncomputed.values_list("name", flat=True)) or "none")
        )
    with connection.cursor() as cursor:
        for table in ("measures_metricvalue", "measures_metric", "measures_staleperiod"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return defined, built_in, seconds


def leadership_user() -> Any:
    from django.contrib.auth.models import Group, User

    from kalliola.roles import LEADERSHIP

    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"first_name": "Jussi", "last_name": "Johtaja"}
    )
    user.groups.set([Group.objects.get(name=LEADERSHIP)])
    return user


# --- The pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    download: bool = False


def pages(defined: list[metric_bench.Defined]) -> tuple[list[Page], str]:
    """What is served, and the area of the filtered ones in words."""
    from django.urls import reverse

    from neighbourhoods.models import Activity, Area

    area = Area.objects.get(name_fi=AREA[0], level=AREA[1])
    in_area = Activity.objects.filter(
        area__in=Area.objects.filter(pk=area.pk) | Area.objects.filter(parent=area),
        date__year=int(YEAR),
    ).count()
    metric = next(d for d in defined if d.spec.name == METRIC)
    goal = metric.spec.goal
    query = f"?start={YEAR}&end={YEAR}&area={area.pk}"
    where = f"{area.name_fi} {YEAR}"

    def url(name: str, **kwargs: int) -> str:
        return reverse(f"measures:{name}", kwargs=kwargs)

    listed = [
        Page("progress overview", url("dashboard")),
        Page(f"progress overview, {where}", url("dashboard") + query),
    ]
    listed += [Page(f"goal {n}", url("goal_dashboard", number=n)) for n in range(1, 5)]
    listed += [
        Page(f"goal 3, {where}", url("goal_dashboard", number=3) + query),
        Page(
            f"goal {goal} panel (fragment)",
            url("goal_panel", number=goal, metric_id=metric.metric_id),
        ),
        Page("goal statuses (fragment)", url("goal_statuses")),
        Page("metric page", url("metric", metric_id=metric.metric_id)),
        Page(f"inequality meter, {YEAR}", url("meter") + f"?year={YEAR}"),
        Page(f"neighbourhoods, all 34, {YEAR}", url("areas") + f"?year={YEAR}&all=1"),
        Page(
            f"{area.name_fi} dashboard, {YEAR}",
            reverse("measures:area", args=[area.code]) + f"?year={YEAR}",
        ),
        Page(f"metric page, {where}", url("metric", metric_id=metric.metric_id) + query),
        Page(
            "values.xlsx (download)",
            url("metric_values_xlsx", metric_id=metric.metric_id),
            download=True,
        ),
    ]
    described = (
        f"{area.name_fi} (basic district {area.pk}, {in_area:,} activities in {YEAR} with its "
        f"sub-districts); metric {METRIC!r} (id {metric.metric_id}, goal {goal}, "
        f"{metric.spec.period}ly participants)"
    )
    return listed, described


# --- Measuring ----------------------------------------------------------------------------------


@dataclass
class Measured:
    page: Page
    seconds: list[float] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)
    size: int = 0
    queries: list[dict[str, str]] = field(default_factory=list)

    def percentile(self, share: float) -> float:
        """Nearest rank: the smallest value with at least share of the values at or below it."""
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(share * len(ordered)) - 1)]

    @property
    def p95_ms(self) -> float:
        return self.percentile(0.95) * 1000


class SqlClock:
    """Time spent executing statements, measured around each execute."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


def fetch(client: Any, path: str) -> tuple[int, int]:
    """One request, its body read whole; its status and size."""
    response = client.get(path, secure=True)
    body = response.getvalue() if response.streaming else response.content
    return response.status_code, len(body)


def measure(user: Any, listed: list[Page], repeat: int) -> tuple[list[Measured], list[float]]:
    """Each URL's figures, and the machine's load average (1 minute) before and after."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(user)
    results = [Measured(page) for page in listed]
    load = [os.getloadavg()[0]]
    for _round in range(WARM_UP):
        for item in results:
            item.statuses.add(fetch(client, item.page.path)[0])
    # In rounds over all the URLs: a moment of load on the machine falls on every page alike.
    print(f"Serving {len(listed)} URLs {WARM_UP} + {repeat} times …", flush=True)
    for _round in range(repeat):
        for item in results:
            clock = SqlClock()
            with connection.execute_wrapper(clock):
                start = time.perf_counter()
                status, item.size = fetch(client, item.page.path)
                item.seconds.append(time.perf_counter() - start)
            item.sql_seconds.append(clock.seconds)
            item.statuses.add(status)
    for item in results:
        with CaptureQueriesContext(connection) as captured:
            item.statuses.add(fetch(client, item.page.path)[0])
        item.queries = list(captured.captured_queries)
    load.append(os.getloadavg()[0])
    return results, load


# --- Reporting ----------------------------------------------------------------------------------


def size_text(size: int) -> str:
    return f"{size / 1024:.1f} kB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


def shortened(sql: str, width: int = 160) -> str:
    """A statement on one line, its column list left out: "SELECT … FROM …"."""
    sql = " ".join(sql.split())
    depth = 0
    for n, char in enumerate(sql):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0 and sql.startswith(" FROM ", n) and sql.startswith("SELECT "):
            sql = "SELECT …" + sql[n:]
            break
    return sql if len(sql) <= width else sql[: width - 1] + "…"


def report(
    results: list[Measured],
    *,
    started: datetime.datetime,
    generation: float,
    recompute: float,
    defined: list[metric_bench.Defined],
    built_in: int,
    described: str,
    repeat: int,
    load: list[float],
) -> None:
    from measures.models import MetricValue
    from neighbourhoods.models import Activity, Signal

    facts, size = metric_bench.machine()
    kinds = [d.spec.kind for d in defined]
    print()
    print(f"Kalliola dashboards benchmark, {started:%Y-%m-%d %H:%M} UTC")
    print(f"machine  {facts}")
    print(
        f"data     {Activity.objects.count():,} activities and {Signal.objects.count():,} signals "
        f"dated 2023-01-01 … 2025-12-31 in 182 areas; database {size}; "
        + (f"generated in {generation:.0f} s" if generation else "reused (--keep)")
    )
    print(
        f"metrics  {len(defined)} ({kinds.count('activity')} on the log, {kinds.count('manual')} "
        f"manual, {kinds.count('ratio')} ratios) and the goals' {built_in} built-in ones, "
        f"{MetricValue.objects.count():,} stored values, "
        f"computed in {recompute:.1f} s; no stale marks"
    )
    print(f"pages    as a leadership user, DEBUG off; filtered to {described}")
    print(
        f"timing   {WARM_UP} warm-up requests, then {repeat} timed per URL in rounds; p95 is the "
        "nearest rank; SQL is the median time in execute; queries from one more request; "
        "load average " + " → ".join(f"{value:.2f}" for value in load)
    )
    print()
    print(
        f"{'':34} {'p50':>10} {'p95':>10} {'max':>10} {'SQL p50':>10} {'queries':>8} "
        f"{'size':>9}  result"
    )
    for item in results:
        ms = [s * 1000 for s in item.seconds]
        verdict = (
            "download"
            if item.page.download
            else ("PASS" if item.p95_ms <= TARGET_P95_MS else "FAIL")
        )
        if item.statuses != {200}:
            verdict += " status " + ", ".join(str(s) for s in sorted(item.statuses))
        print(
            f"{item.page.label:34} {statistics.median(ms):>7.1f} ms {item.p95_ms:>7.1f} ms "
            f"{max(ms):>7.1f} ms {statistics.median(item.sql_seconds) * 1000:>7.1f} ms "
            f"{len(item.queries):>8} {size_text(item.size):>9}  {verdict}"
        )
    print()
    over = [i for i in results if not i.page.download and i.p95_ms > TARGET_P95_MS]
    for item in results:
        print(f"  {item.page.label}: {item.page.path}")
    print()
    if over:
        print(
            f"Over the target (p95 ≤ {TARGET_P95_MS:.0f} ms): "
            + ", ".join(f"{i.page.label} ({i.p95_ms:.0f} ms)" for i in over)
        )
        for item in over:
            slowest = sorted(item.queries, key=lambda q: float(q["time"]), reverse=True)[:3]
            total = sum(float(q["time"]) for q in item.queries)
            print(
                f"  {item.page.label}: {len(item.queries)} queries, {total * 1000:.1f} ms in the "
                "counted request; the slowest:"
            )
            for query in slowest:
                print(f"    {float(query['time']) * 1000:6.1f} ms  {shortened(query['sql'])}")
    else:
        print(f"Every page within the target (p95 ≤ {TARGET_P95_MS:.0f} ms).")
    for item in results:
        if item.page.download:
            print(f"The download ({item.page.label}) has no target: p95 {item.p95_ms:.0f} ms.")


def main() -> None:
    args = parse_args()
    started = datetime.datetime.now(datetime.UTC)
    with tempfile.TemporaryDirectory(prefix="kalliola-bench-static-") as static_root:
        generation = prepare(args, static_root)
        defined, built_in, recompute = compute_metrics()
        user = leadership_user()
        listed, described = pages(defined)
        results, load = measure(user, listed, args.repeat)
        report(
            results,
            started=started,
            generation=generation,
            recompute=recompute,
            defined=defined,
            built_in=built_in,
            described=described,
            repeat=args.repeat,
            load=load,
        )


if __name__ == "__main__":
    main()

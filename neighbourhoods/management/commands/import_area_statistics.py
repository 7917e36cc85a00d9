from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from neighbourhoods.statistics import (
    DEFAULT_STATISTICS_FIXTURE,
    StatisticsDataError,
    statistics_fixture_read,
    statistics_fixture_write,
    statistics_import,
    statistics_parse_files,
)


class Command(BaseCommand):
    help = (
        "Load public statistics per area (Statistics Finland's Paavo figures by postal code, "
        "split to Helsinki's sub-districts and summed to basic districts). Without files, loads "
        "the committed figures for 2023. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--paavo", type=Path, help="A year's Paavo GeoJSON of Helsinki's postal code areas."
        )
        parser.add_argument(
            "--crosswalk", type=Path, help="The postal code → sub-district crosswalk (CSV)."
        )
        parser.add_argument(
            "--write-fixture",
            type=Path,
            metavar="PATH",
            help=(
                "Also store the figures there (the committed ones are in "
                f"{DEFAULT_STATISTICS_FIXTURE.name})."
            ),
        )

    def handle(
        self,
        *args: Any,
        paavo: Path | None,
        crosswalk: Path | None,
        write_fixture: Path | None,
        **options: Any,
    ) -> None:
        if (paavo is None) != (crosswalk is None):
            raise CommandError("Give both --paavo and --crosswalk, or neither to load the fixture.")
        if write_fixture is not None and paavo is None:
            raise CommandError("--write-fixture needs --paavo and --crosswalk.")
        try:
            if paavo is not None and crosswalk is not None:
                data = statistics_parse_files(paavo=paavo, crosswalk=crosswalk)
            else:
                data = statistics_fixture_read()
            report = statistics_import(data=data)
            size = statistics_fixture_write(data=data, path=write_fixture) if write_fixture else 0
        except StatisticsDataError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Area statistics {data.year}: {len(data.records)} areas; created {report.created}, "
            f"updated {report.updated}, unchanged {report.unchanged}."
        )
        if write_fixture:
            self.stdout.write(f"Wrote {write_fixture} ({size} bytes).")

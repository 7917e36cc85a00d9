from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from neighbourhoods.districts import (
    DEFAULT_DISTRICTS_FIXTURE,
    DistrictDataError,
    districts_fixture_read,
    districts_fixture_write,
    districts_import,
    districts_parse_files,
)


class Command(BaseCommand):
    help = (
        "Import Helsinki's basic districts and sub-districts as areas, updating them in place "
        "(an admin's 'Kalliola works here' is kept). Without paths, loads the committed fixture "
        f"{DEFAULT_DISTRICTS_FIXTURE.name}. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--basic-districts",
            type=Path,
            metavar="PATH",
            help="The City's layer avoindata:Piirijako_peruspiiri as GeoJSON (WGS84, lon/lat).",
        )
        parser.add_argument(
            "--sub-districts",
            type=Path,
            metavar="PATH",
            help="The City's layer avoindata:Piirijako_osaalue as GeoJSON (WGS84, lon/lat).",
        )
        parser.add_argument(
            "--write-fixture",
            type=Path,
            metavar="PATH",
            help=(
                "Also write the compact fixture here "
                "(to refresh neighbourhoods/data/helsinki-districts.json)."
            ),
        )

    def handle(
        self,
        *args: Any,
        basic_districts: Path | None,
        sub_districts: Path | None,
        write_fixture: Path | None,
        **options: Any,
    ) -> None:
        if (basic_districts is None) != (sub_districts is None):
            raise CommandError(
                "Give both --basic-districts and --sub-districts, or neither to load the "
                "committed fixture."
            )
        if write_fixture is not None and basic_districts is None:
            raise CommandError("--write-fixture needs --basic-districts and --sub-districts.")
        try:
            if basic_districts is not None and sub_districts is not None:
                data = districts_parse_files(
                    basic_districts=basic_districts, sub_districts=sub_districts
                )
            else:
                data = districts_fixture_read(path=DEFAULT_DISTRICTS_FIXTURE)
            report = districts_import(records=data.records)
            size = districts_fixture_write(data=data, path=write_fixture) if write_fixture else 0
        except DistrictDataError as exc:
            raise CommandError(str(exc)) from exc

        summary = (
            f"Helsinki districts (City data of {data.updated or 'unknown date'}): "
            f"{len(data.records)} areas; created {report.created}, updated {report.updated}, "
            f"unchanged {report.unchanged}."
        )
        self.stdout.write(self.style.SUCCESS(summary) if report.changed else summary)
        if write_fixture is not None:
            self.stdout.write(f"Wrote {write_fixture} ({size / 1000:.0f} kB).")

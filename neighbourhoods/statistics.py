"""Public statistics per area: Statistics Finland's Paavo figures by postal code, carried over to
Helsinki's sub-districts and summed to basic districts and the city.

Postal code areas and the City's districts do not nest. A crosswalk (derived by overlaying the
two maps) gives, for each postal area, the share of its land in each sub-district; a postal
area's counts are split by those shares. The shares are by land area, not by where people live,
so a sub-district that holds an industrial part of a postal area gets some of its residents too:
the pages that show these figures say so. The crosswalk leaves out slivers under 1 %, so each
postal area's shares are scaled to add up to 1, and no resident is lost or counted twice.

Only counts are split and summed; a rate (the unemployment rate, say) is recomputed from the
summed counts of the area, never averaged from the postal areas' rates (see `rate`).

`statistics_parse_files` reads the Paavo GeoJSON and the crosswalk CSV into records;
`statistics_fixture_write` stores them (neighbourhoods/data/helsinki-statistics-2023.json is
committed, so the app needs neither file) and `statistics_fixture_read` reads them back;
`statistics_import` writes them to AreaStatistics, by area and year, changing nothing on a
second run.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction

from neighbourhoods.districts import HELSINKI_CODE
from neighbourhoods.models import Area, AreaStatistics

STATISTICS_DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_STATISTICS_FIXTURE = STATISTICS_DATA_DIR / "helsinki-statistics-2023.json"

SOURCE = "Statistics Finland, Paavo – Open data by postal code area (table 12f7)"
LICENCE = "CC BY 4.0, https://creativecommons.org/licenses/by/4.0/"
ATTRIBUTION = (
    "Source: Statistics Finland, Paavo – Open data by postal code area, CC BY 4.0; City of "
    "Helsinki, Urban Environment Division / City Survey Services: Helsinki district division, "
    "CC BY 4.0. Postal-area figures carried over to districts by land-area overlay (Kalliola)."
)

# Three decimals: a split count is a fraction of a person, kept so that the sums add up.
COUNT_PLACES = Decimal("0.001")

# Each stored count, and the Paavo columns (GeoJSON properties) summed into it.
PAAVO_COLUMNS: dict[str, tuple[str, ...]] = {
    "residents": ("Inhabitants, total (HE)",),
    "residents_0_12": ("0-2 years (HE)", "3-6 years (HE)", "7-12 years (HE)"),
    "residents_13_17": ("13-15 years (HE)", "16-17 years (HE)"),
    "residents_18_29": ("18-19 years (HE)", "20-24 years (HE)", "25-29 years (HE)"),
    "residents_30_64": (
        "30-34 years (HE)",
        "35-39 years (HE)",
        "40-44 years (HE)",
        "45-49 years (HE)",
        "50-54 years (HE)",
        "55-59 years (HE)",
        "60-64 years (HE)",
    ),
    "residents_65_plus": (
        "65-69 years (HE)",
        "70-74 years (HE)",
        "75-79 years (HE)",
        "80-84 years (HE)",
        "85 years or over (HE)",
    ),
    "adults": ("Aged 18 or over, total (KO)",),
    "basic_education_only": ("Basic level studies (KO)",),
    "lowest_income_class": ("Inhabitants belonging to the lowest income category",),
    "employed": ("Employed (PT)",),
    "unemployed": ("Unemployed (PT)",),
}
COUNTS = tuple(PAAVO_COLUMNS)
CROSSWALK_COLUMNS = ("postal_code", "osa_alue_tunnus", "peruspiiri_tunnus", "suurpiiri_tunnus")
SHARE_COLUMN = "share_of_postal_area"


class StatisticsDataError(ValueError):
    """A statistics file is missing, unreadable or not what the importer expects."""


@dataclass(frozen=True)
class StatisticsRecord:
    """One area's counts in one year, as the fixture stores them."""

    code: str
    year: int
    counts: Mapping[str, Decimal]


@dataclass(frozen=True)
class StatisticsData:
    year: int
    records: tuple[StatisticsRecord, ...]


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def rate(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """part / whole, or None when there is no whole (an area without residents)."""
    if part is None or not whole:
        return None
    return part / whole


def _number(value: object, *, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise StatisticsDataError(f"{where}: {value!r} is not a number.")
    try:
        number = Decimal(str(value))
    except ArithmeticError as exc:
        raise StatisticsDataError(f"{where}: {value!r} is not a number.") from exc
    if not number.is_finite() or number < 0:
        # Paavo marks a figure it protects for privacy with -1: such a file cannot be split.
        raise StatisticsDataError(f"{where}: {value!r} is not a count.")
    return number


def _read_paavo(path: Path) -> tuple[int, dict[str, dict[str, Decimal]]]:
    """The year and, per postal code, the counts of the stored fields."""
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise StatisticsDataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StatisticsDataError(f"{path} is not valid JSON: {exc}") from exc
    features = data.get("features") if isinstance(data, Mapping) else None
    if not isinstance(features, list) or not features:
        raise StatisticsDataError(f"{path} is not a GeoJSON FeatureCollection with features.")
    needed = {
        "postal_code",
        "year",
        *(column for cols in PAAVO_COLUMNS.values() for column in cols),
    }
    years: set[int] = set()
    postal: dict[str, dict[str, Decimal]] = {}
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(properties, Mapping):
            raise StatisticsDataError(f"{path}: feature {number} has no properties.")
        missing = sorted(needed - set(properties))
        if missing:
            raise StatisticsDataError(
                f"{path}: feature {number} lacks the columns {', '.join(missing)}."
            )
        code = str(properties["postal_code"]).strip()
        where = f"{path}, postal code {code}"
        try:
            years.add(int(properties["year"]))
        except (TypeError, ValueError) as exc:
            raise StatisticsDataError(f"{where}: the year is not a whole number.") from exc
        postal[code] = {
            name: sum(
                (_number(properties[column], where=f"{where}, {column}") for column in columns),
                Decimal(0),
            )
            for name, columns in PAAVO_COLUMNS.items()
        }
    if len(years) != 1:
        raise StatisticsDataError(f"{path}: the features are of several years: {sorted(years)}.")
    return years.pop(), postal


def _read_crosswalk(path: Path) -> dict[str, list[tuple[str, Decimal]]]:
    """Per postal code, the sub-districts' full codes and their shares, scaled to add up to 1."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as exc:
        raise StatisticsDataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (UnicodeDecodeError, csv.Error) as exc:
        raise StatisticsDataError(f"{path} is not a UTF-8 CSV file: {exc}") from exc
    missing = sorted({*CROSSWALK_COLUMNS, SHARE_COLUMN} - set(rows[0] if rows else {}))
    if missing:
        raise StatisticsDataError(f"{path} lacks the columns {', '.join(missing)}.")
    shares: dict[str, list[tuple[str, Decimal]]] = defaultdict(list)
    for line, row in enumerate(rows, start=2):
        code = (
            f"{HELSINKI_CODE}{row['suurpiiri_tunnus'].strip()}"
            f"{row['peruspiiri_tunnus'].strip():0>3}{row['osa_alue_tunnus'].strip():0>3}"
        )
        share = _number(row[SHARE_COLUMN], where=f"{path}, line {line}")
        shares[row["postal_code"].strip()].append((code, share))
    scaled = {}
    for postal_code, parts in shares.items():
        total = sum((share for _code, share in parts), Decimal(0))
        if not total:
            raise StatisticsDataError(f"{path}: postal code {postal_code} has no share anywhere.")
        scaled[postal_code] = [(code, share / total) for code, share in parts]
    return scaled


def basic_district_code(sub_district_code: str) -> str:
    """A sub-district's basic district: its full code with the last three digits 000."""
    return f"{sub_district_code[:-3]}000"


def split_and_sum(
    postal: Mapping[str, Mapping[str, Decimal]],
    crosswalk: Mapping[str, Sequence[tuple[str, Decimal]]],
) -> dict[str, dict[str, Decimal]]:
    """The counts per sub-district, basic district and the city, by area code.

    Each postal area's counts are split by its shares; the parts are summed per sub-district,
    the sub-districts per basic district, and everything for Helsinki.
    """
    unmapped = sorted(set(postal) - set(crosswalk))
    if unmapped:
        raise StatisticsDataError(
            f"The crosswalk has no sub-district for the postal codes {', '.join(unmapped)}."
        )
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(COUNTS, Decimal(0)))
    for postal_code, counts in postal.items():
        for code, share in crosswalk[postal_code]:
            for target in (code, basic_district_code(code), HELSINKI_CODE):
                for name in COUNTS:
                    totals[target][name] += counts[name] * share
    return {
        code: {name: value.quantize(COUNT_PLACES) for name, value in counts.items()}
        for code, counts in totals.items()
    }


def statistics_parse_files(*, paavo: Path, crosswalk: Path) -> StatisticsData:
    """Read a year's Paavo file and the crosswalk into per-area records."""
    year, postal = _read_paavo(paavo)
    by_area = split_and_sum(postal, _read_crosswalk(crosswalk))
    records = tuple(
        StatisticsRecord(code=code, year=year, counts=counts)
        for code, counts in sorted(by_area.items())
    )
    return StatisticsData(year=year, records=records)


def statistics_fixture_write(*, data: StatisticsData, path: Path) -> int:
    """Store the records as JSON (counts as strings, exactly); returns the size in bytes."""
    content = json.dumps(
        {
            "source": f"{SOURCE}, statistical year {data.year}",
            "licence": LICENCE,
            "attribution": ATTRIBUTION,
            "fields": list(COUNTS),
            "year": data.year,
            "areas": {
                record.code: [str(record.counts[name]) for name in COUNTS]
                for record in data.records
            },
        },
        ensure_ascii=False,
        indent=0,
    )
    try:
        path.write_text(content + "\n", encoding="utf-8")
    except OSError as exc:
        raise StatisticsDataError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return len(content.encode("utf-8")) + 1


def statistics_fixture_read(*, path: Path = DEFAULT_STATISTICS_FIXTURE) -> StatisticsData:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise StatisticsDataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StatisticsDataError(f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(data, Mapping) or data.get("fields") != list(COUNTS):
        raise StatisticsDataError(f"{path} is not a statistics fixture of this version.")
    year = int(data["year"])
    records = tuple(
        StatisticsRecord(
            code=code,
            year=year,
            counts={
                name: _number(value, where=f"{path}, {code}")
                for name, value in zip(COUNTS, values, strict=True)
            },
        )
        for code, values in data["areas"].items()
    )
    return StatisticsData(year=year, records=records)


@transaction.atomic
def statistics_import(*, data: StatisticsData) -> ImportReport:
    """Write the records to AreaStatistics by area and year; a second run changes nothing."""
    areas = Area.objects.in_bulk([record.code for record in data.records], field_name="code")
    missing = sorted(record.code for record in data.records if record.code not in areas)
    if missing:
        raise StatisticsDataError(
            f"No area has the codes {', '.join(missing[:10])}"
            f"{' …' if len(missing) > 10 else ''}: load Helsinki's districts first "
            "(manage.py import_districts)."
        )
    existing = {
        row.area_id: row
        for row in AreaStatistics.objects.filter(year=data.year, area__in=areas.values())
    }
    source = f"{SOURCE}, {data.year}"
    report = ImportReport()
    for record in data.records:
        area = areas[record.code]
        values: dict[str, Any] = {"source": source, **record.counts}
        row = existing.get(area.pk)
        if row is None:
            AreaStatistics.objects.create(area=area, year=data.year, **values)
            report.created += 1
            continue
        changed = [name for name, value in values.items() if getattr(row, name) != value]
        if changed:
            for name in changed:
                setattr(row, name, values[name])
            row.save(update_fields=[*changed, "updated_at"])
            report.updated += 1
        else:
            report.unchanged += 1
    return report

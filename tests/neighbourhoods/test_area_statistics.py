"""Public statistics per area: postal-area counts split to sub-districts by the crosswalk's
shares, summed to basic districts and the city, rates recomputed from the summed counts; the
committed 2023 figures checked against the source file by hand; the command's refusals."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from neighbourhoods.models import AreaStatistics
from neighbourhoods.statistics import (
    COUNTS,
    DEFAULT_STATISTICS_FIXTURE,
    PAAVO_COLUMNS,
    StatisticsDataError,
    rate,
    split_and_sum,
    statistics_fixture_read,
    statistics_parse_files,
)

pytestmark = pytest.mark.django_db

CITY_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "helsinki"
PAAVO = CITY_DATA / "paavo_2023_helsinki_postal_areas.geojson"
CROSSWALK = CITY_DATA / "derived" / "postal_code_to_osa_alue_crosswalk.csv"
needs_city_data = pytest.mark.skipif(
    not (PAAVO.is_file() and CROSSWALK.is_file()),
    reason=f"the Paavo file and the crosswalk are not in {CITY_DATA} (a clone has no shared data)",
)

# Two sub-districts of one basic district (Kallio: 0913301112 Linjat, 0913301111 Siltasaari).
LINJAT, SILTASAARI, KALLIO, HELSINKI = "0913301112", "0913301111", "0913301000", "091"


def counts(**given: int) -> dict[str, Decimal]:
    return {name: Decimal(given.get(name, 0)) for name in COUNTS}


def test_split__a_postal_area_across_two_sub_districts_gives_each_its_share():
    postal = {"00530": counts(residents=1000, unemployed=50, employed=450)}
    crosswalk = {"00530": [(LINJAT, Decimal("0.6")), (SILTASAARI, Decimal("0.4"))]}

    areas = split_and_sum(postal, crosswalk)

    assert areas[LINJAT]["residents"] == Decimal("600.000")
    assert areas[SILTASAARI]["residents"] == Decimal("400.000")
    assert areas[SILTASAARI]["unemployed"] == Decimal("20.000")
    # The basic district and the city have the whole postal area, once.
    assert areas[KALLIO]["residents"] == areas[HELSINKI]["residents"] == Decimal("1000.000")


def test_rate__is_recomputed_from_the_summed_counts_never_averaged():
    # Two postal areas wholly in Linjat: 10 of 100 in the labour force unemployed (10 %), and
    # 100 of 200 (50 %). The average of the rates would be 30 %; Linjat's rate is 110 / 300.
    postal = {
        "00530": counts(unemployed=10, employed=90),
        "00531": counts(unemployed=100, employed=100),
    }
    crosswalk = {code: [(LINJAT, Decimal(1))] for code in postal}

    linjat = split_and_sum(postal, crosswalk)[LINJAT]
    unemployment = rate(linjat["unemployed"], linjat["unemployed"] + linjat["employed"])

    assert unemployment == Decimal(110) / Decimal(300)
    assert unemployment != (Decimal("0.10") + Decimal("0.50")) / 2


def test_rate__of_an_area_without_residents_is_none_not_an_error():
    assert rate(Decimal(0), Decimal(0)) is None
    assert rate(None, Decimal(10)) is None


def test_split__a_postal_area_missing_from_the_crosswalk_is_refused():
    with pytest.raises(StatisticsDataError, match="00999"):
        split_and_sum({"00999": counts(residents=5)}, {})


def write_paavo(path: Path, features: list[dict[str, object]]) -> Path:
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": f} for f in features],
            }
        ),
        encoding="utf-8",
    )
    return path


def paavo_feature(code: str, year: int = 2024, **given: float) -> dict[str, object]:
    columns = {column for cols in PAAVO_COLUMNS.values() for column in cols}
    return {"postal_code": code, "year": year, **dict.fromkeys(columns, 0.0), **given}


def write_crosswalk(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["postal_code", "osa_alue_tunnus", "peruspiiri_tunnus", "suurpiiri_tunnus",
             "share_of_postal_area"]
        )  # fmt: skip
        for postal_code, sub_district, share in rows:
            writer.writerow([postal_code, sub_district, "301", "3", share])
    return path


def test_parse__scales_each_postal_areas_shares_to_add_up_to_one(tmp_path):
    # The crosswalk leaves out slivers under 1 %: 0.594 + 0.396 = 0.99 is scaled to 1, so the
    # 990 residents split 594 / 396 → 600 / 400 of 1000, and none is lost.
    paavo = write_paavo(
        tmp_path / "paavo.geojson", [paavo_feature("00530", **{"Inhabitants, total (HE)": 1000})]
    )
    crosswalk = write_crosswalk(
        tmp_path / "crosswalk.csv", [("00530", "112", "0.594"), ("00530", "111", "0.396")]
    )

    data = statistics_parse_files(paavo=paavo, crosswalk=crosswalk)

    by_code = {record.code: record.counts for record in data.records}
    assert data.year == 2024
    assert by_code[LINJAT]["residents"] == Decimal("600.000")
    assert by_code[SILTASAARI]["residents"] == Decimal("400.000")
    assert by_code[HELSINKI]["residents"] == Decimal("1000.000")


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_area_statistics", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def districts(db):
    call_command("import_districts", stdout=StringIO())


def test_command__loads_the_committed_2023_figures_once(districts):
    first = run()
    second = run()

    assert "182 areas; created 182" in first
    assert "updated 0, unchanged 182" in second
    assert AreaStatistics.objects.filter(year=2023).count() == 182


def test_command__loads_another_years_file_of_the_same_format(districts, tmp_path):
    paavo = write_paavo(
        tmp_path / "paavo.geojson", [paavo_feature("00530", **{"Inhabitants, total (HE)": 50})]
    )
    crosswalk = write_crosswalk(tmp_path / "crosswalk.csv", [("00530", "112", "1")])

    run()
    output = run("--paavo", str(paavo), "--crosswalk", str(crosswalk))

    assert "Area statistics 2024" in output
    linjat = AreaStatistics.objects.get(area__code=LINJAT, year=2024)
    assert linjat.residents == 50
    assert AreaStatistics.objects.filter(year=2023).count() == 182  # the other year stays


def test_command__refuses_a_file_with_missing_columns_and_writes_nothing(districts, tmp_path):
    feature = paavo_feature("00530")
    del feature["Unemployed (PT)"]
    paavo = write_paavo(tmp_path / "paavo.geojson", [feature])
    crosswalk = write_crosswalk(tmp_path / "crosswalk.csv", [("00530", "112", "1")])

    with pytest.raises(CommandError, match=r"lacks the columns Unemployed \(PT\)"):
        run("--paavo", str(paavo), "--crosswalk", str(crosswalk))
    assert not AreaStatistics.objects.exists()


def test_command__needs_the_districts_first():
    with pytest.raises(CommandError, match="import_districts"):
        run()


def test_command__needs_both_files_or_neither(tmp_path):
    with pytest.raises(CommandError, match="both"):
        run("--paavo", str(tmp_path / "x.geojson"))


def test_loaded_2023_figures__kallio_and_mellunkyla_match_the_source_by_hand(districts):
    run()
    kallio = AreaStatistics.objects.get(area__code=KALLIO, year=2023)
    mellunkyla = AreaStatistics.objects.get(area__code="0917703000", year=2023)
    helsinki = AreaStatistics.objects.get(area__code=HELSINKI, year=2023)

    # Kallio (basic district 301) gets, of each postal area, its sub-districts' shares of the
    # postal area, each divided by the postal area's total share (all shares add up to 1):
    #   00170  7,387 × 0.0212 / 1.0000 =    156.604
    #   00260  5,746 × 0.0301 / 1.0000 =    172.955
    #   00500 11,620 × 0.6240 / 1.0001 =  7,250.155
    #   00530 17,887 × 0.8849 / 0.9944 = 15,917.343
    #   00540  5,783 × 1.0000 / 1.0000 =  5,783.000
    #   00580  7,231 × 0.2960 / 0.9949 =  2,151.348
    #                                    ----------
    #                                    31,431.405
    assert kallio.residents == Decimal("31431.405")
    # Unemployed, the same way: 277 × 0.0212 + 247 × 0.0301 + 974 × 0.6240 / 1.0001
    #   + 1,236 × 0.8849 / 0.9944 + 260 + 304 × 0.2960 / 0.9949 = 2,071.363
    assert kallio.unemployed == Decimal("2071.363")
    # Mellunkylä (703): 14,264 × 0.0451 / 0.9926 + 7,310 × 0.0217 / 0.9795
    #   + 10,479 × 0.0261 / 0.9921 + 13,885 × 0.1119 / 0.9976 + 26,181 × 0.9961 / 0.9961
    #   + 6,721 × 0.2733 / 0.9947 + 7,100 × 0.0254 / 0.9993 + 10,842 × 0.6551 / 0.8631
    #   = 648.10 + 161.95 + 275.70 + 1,557.48 + 26,181 + 1,846.67 + 180.47 + 8,229.10
    #   = 39,080.468
    assert mellunkyla.residents == Decimal("39080.468")
    # Helsinki: all 84 postal areas whole, as the source's README sums them.
    assert helsinki.residents == Decimal("663237.000")
    # The register-based unemployment rate of Kallio, from its summed counts:
    # 2,071.363 / (2,071.363 + 18,450.890) = 10.1 %.
    unemployment = rate(kallio.unemployed, kallio.unemployed + kallio.employed)
    assert unemployment is not None
    assert round(unemployment * 100, 1) == Decimal("10.1")


@needs_city_data
def test_committed_fixture_is_what_the_parser_derives_from_the_source_files():
    data = statistics_parse_files(paavo=PAAVO, crosswalk=CROSSWALK)

    assert data == statistics_fixture_read(path=DEFAULT_STATISTICS_FIXTURE)

from __future__ import annotations

import copy
import itertools
import json
import math
import re
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.core.management import CommandError, call_command

from neighbourhoods.districts import (
    ATTRIBUTION,
    DEFAULT_DISTRICTS_FIXTURE,
    METRES_PER_DEGREE,
    DistrictDataError,
    districts_fixture_read,
    proper_case,
    simplify_ring,
)
from neighbourhoods.models import Area
from tests.factories import AreaFactory

pytestmark = pytest.mark.django_db

# The City's files are in the shared workspace and in CI, not in a clone of the project.
CITY_DATA = Path(settings.BASE_DIR).parent / "shared" / "data" / "helsinki"
CITY_BASIC_DISTRICTS = CITY_DATA / "helsinki_peruspiirit_34.geojson"
CITY_SUB_DISTRICTS = CITY_DATA / "helsinki_osa_alueet_148.geojson"
needs_city_data = pytest.mark.skipif(
    not (CITY_BASIC_DISTRICTS.is_file() and CITY_SUB_DISTRICTS.is_file()),
    reason=f"the City's district files are not in {CITY_DATA} (a clone has no shared data)",
)

# Every basic district by its short code: (Finnish, Swedish), each checked by eye.
BASIC_DISTRICT_NAMES = {
    "101": ("Vironniemi", "Estnäs"),
    "102": ("Ullanlinna", "Ulrikasborg"),
    "103": ("Kampinmalmi", "Kampmalmen"),
    "104": ("Taka-Töölö", "Bortre Tölö"),
    "105": ("Lauttasaari", "Drumsö"),
    "201": ("Reijola", "Grejus"),
    "202": ("Munkkiniemi", "Munksnäs"),
    "203": ("Haaga", "Haga"),
    "204": ("Pitäjänmäki", "Sockenbacka"),
    "205": ("Kaarela", "Kårböle"),
    "301": ("Kallio", "Berghäll"),
    "302": ("Alppiharju", "Åshöjden"),
    "303": ("Vallila", "Vallgård"),
    "304": ("Pasila", "Böle"),
    "305": ("Vanhakaupunki", "Gammelstaden"),
    "401": ("Maunula", "Månsas"),
    "402": ("Länsi-Pakila", "Västra Baggböle"),
    "403": ("Tuomarinkylä", "Domarby"),
    "404": ("Oulunkylä", "Åggelby"),
    "405": ("Itä-Pakila", "Östra Baggböle"),
    "501": ("Latokartano", "Ladugården"),
    "502": ("Pukinmäki", "Bocksbacka"),
    "503": ("Malmi", "Malm"),
    "504": ("Suutarila", "Skomakarböle"),
    "505": ("Puistola", "Parkstad"),
    "506": ("Jakomäki", "Jakobacka"),
    "601": ("Kulosaari", "Brändö"),
    "602": ("Herttoniemi", "Hertonäs"),
    "603": ("Laajasalo", "Degerö"),
    "701": ("Vartiokylä", "Botby"),
    "702": ("Myllypuro", "Kvarnbäcken"),
    "703": ("Mellunkylä", "Mellungsby"),
    "704": ("Vuosaari", "Nordsjö"),
    "801": ("Östersundom", "Östersundom"),
}

# The issue names Kallio, Sörnäinen, Vallila, Alppiharju, Kontula, Jakomäki, Malmi, Myllypuro.
KALLIOLA_AREAS = {
    ("Kallio", Area.Level.BASIC_DISTRICT),
    ("Alppiharju", Area.Level.BASIC_DISTRICT),
    ("Vallila", Area.Level.BASIC_DISTRICT),
    ("Vallila", Area.Level.SUB_DISTRICT),
    ("Malmi", Area.Level.BASIC_DISTRICT),
    ("Jakomäki", Area.Level.BASIC_DISTRICT),
    ("Jakomäki", Area.Level.SUB_DISTRICT),
    ("Myllypuro", Area.Level.BASIC_DISTRICT),
    ("Myllypuro", Area.Level.SUB_DISTRICT),
    ("Kontula", Area.Level.SUB_DISTRICT),
}


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("import_districts", *args, stdout=out)
    return out.getvalue()


def import_city_files(*args: str) -> str:
    return run_command(
        "--basic-districts",
        str(CITY_BASIC_DISTRICTS),
        "--sub-districts",
        str(CITY_SUB_DISTRICTS),
        *args,
    )


def level_counts() -> dict[str, int]:
    return {level: Area.objects.filter(level=level).count() for level in Area.Level.values}


# --- From the City's files ----------------------------------------------------------------------


@needs_city_data
def test_import_districts__from_the_city_files_gives_helsinki_34_basic_and_148_sub_districts():
    output = import_city_files()

    assert "created 183, updated 0, unchanged 0" in output
    assert level_counts() == {"municipality": 1, "basic_district": 34, "sub_district": 148}
    helsinki = Area.objects.filter(level=Area.Level.MUNICIPALITY).values(
        "code", "name_fi", "name_sv", "parent"
    )
    assert list(helsinki) == [
        {"code": "091", "name_fi": "Helsinki", "name_sv": "Helsingfors", "parent": None}
    ]


@needs_city_data
def test_import_districts__names_all_34_basic_districts_properly_in_finnish_and_swedish():
    import_city_files()

    names = {
        short_code: (name_fi, name_sv)
        for short_code, name_fi, name_sv in Area.objects.filter(
            level=Area.Level.BASIC_DISTRICT
        ).values_list("short_code", "name_fi", "name_sv")
    }
    assert names == BASIC_DISTRICT_NAMES


@needs_city_data
def test_import_districts__gives_every_area_a_finnish_and_a_swedish_name_and_no_english_one():
    import_city_files()

    rows = Area.objects.values_list("name_fi", "name_sv", "name_en", "is_official")
    assert len(rows) == 183
    for name_fi, name_sv, name_en, is_official in rows:
        assert name_fi
        assert name_sv
        assert name_fi != name_fi.upper()
        assert name_sv != name_sv.upper()
        assert not name_en
        assert is_official


@needs_city_data
def test_import_districts__makes_kallio_a_basic_district_called_berghall_in_swedish():
    import_city_files()

    kallio = Area.objects.values("level", "name_fi", "name_sv", "short_code", "parent__code")
    assert kallio.get(code="0913301000") == {
        "level": Area.Level.BASIC_DISTRICT,
        "name_fi": "Kallio",
        "name_sv": "Berghäll",
        "short_code": "301",
        "parent__code": "091",
    }


@needs_city_data
def test_import_districts__puts_every_sub_district_in_the_basic_district_its_full_code_names():
    import_city_files()

    for area in Area.objects.filter(level=Area.Level.SUB_DISTRICT).select_related("parent"):
        assert area.parent is not None
        assert area.parent.level == Area.Level.BASIC_DISTRICT
        assert area.parent.code == area.code[:7] + "000"
        assert area.code.endswith(area.short_code)
    tapanila = Area.objects.filter(name_fi="Tapanila").values_list("parent__name_fi", flat=True)
    assert list(tapanila) == ["Malmi"]


@needs_city_data
def test_committed_fixture_is_byte_identical_to_what_the_command_derives_from_the_city_files(
    tmp_path: Path,
):
    derived = tmp_path / "helsinki-districts.json"

    output = import_city_files("--write-fixture", str(derived))

    assert f"Wrote {derived}" in output
    assert derived.read_bytes() == DEFAULT_DISTRICTS_FIXTURE.read_bytes()


@needs_city_data
def test_import_districts__city_files_change_nothing_after_the_committed_fixture():
    run_command()

    output = import_city_files()

    assert "created 0, updated 0, unchanged 183" in output


# --- From the committed fixture -----------------------------------------------------------------


def test_import_districts__without_paths_loads_the_committed_fixture():
    output = run_command()

    assert "created 183, updated 0, unchanged 0" in output
    assert level_counts() == {"municipality": 1, "basic_district": 34, "sub_district": 148}
    kallio = Area.objects.filter(code="0913301000").values_list("name_fi", "name_sv")
    assert list(kallio) == [("Kallio", "Berghäll")]
    assert not Area.objects.filter(is_official=False).exists()


def test_import_districts__loading_the_fixture_twice_changes_nothing_and_keeps_ids():
    run_command()
    rows = sorted(Area.objects.values_list("code", "id", "updated_at"))
    log_entries = LogEntry.objects.count()

    output = run_command()

    assert "created 0, updated 0, unchanged 183" in output
    assert sorted(Area.objects.values_list("code", "id", "updated_at")) == rows
    assert LogEntry.objects.count() == log_entries


def test_import_districts__marks_the_areas_kalliola_works_in():
    run_command()

    marked = {
        (name, level)
        for name, level in Area.objects.filter(kalliola_works_here=True).values_list(
            "name_fi", "level"
        )
    }
    assert marked == KALLIOLA_AREAS
    # Sörnäinen is a city district (kaupunginosa), not an area of the district division.
    assert not Area.objects.filter(name_fi="Sörnäinen").exists()


def test_import_districts__keeps_an_admins_choice_of_where_kalliola_works():
    run_command()
    Area.objects.filter(code="0913301000").update(kalliola_works_here=False)  # Kallio
    Area.objects.filter(code="0917704000").update(kalliola_works_here=True)  # Vuosaari

    output = run_command()

    assert "unchanged 183" in output
    assert not Area.objects.get(code="0913301000").kalliola_works_here
    assert Area.objects.get(code="0917704000").kalliola_works_here


def test_import_districts__restores_a_changed_official_area_in_place_keeping_its_id():
    run_command()
    kallio = Area.objects.get(code="0913301000")
    Area.objects.filter(pk=kallio.pk).update(name_sv="Kallio", boundary=None, is_official=False)

    output = run_command()

    restored = Area.objects.filter(code="0913301000").values_list(
        "pk", "name_sv", "boundary", "is_official"
    )
    assert "created 0, updated 1, unchanged 182" in output
    assert list(restored) == [(kallio.pk, "Berghäll", kallio.boundary, True)]


def test_import_districts__keeps_areas_added_by_hand():
    added = AreaFactory.create(name_fi="Kinapori")

    run_command()

    assert list(Area.objects.filter(pk=added.pk).values_list("name_fi", flat=True)) == ["Kinapori"]
    assert Area.objects.count() == 183 + 3  # and its basic district and municipality


# --- The committed fixture itself ---------------------------------------------------------------


def fixture_areas() -> list[dict[str, Any]]:
    return json.loads(DEFAULT_DISTRICTS_FIXTURE.read_text(encoding="utf-8"))["areas"]


def test_committed_fixture__credits_the_city_names_the_licence_and_says_what_was_changed():
    header = json.loads(DEFAULT_DISTRICTS_FIXTURE.read_text(encoding="utf-8"))

    assert header["attribution"] == ATTRIBUTION
    assert "City of Helsinki" in header["attribution"]
    assert header["licence"] == {
        "name": "CC BY 4.0",
        "url": "https://creativecommons.org/licenses/by/4.0/",
    }
    assert header["source"]["updated"] == "2024-02-02"
    changes = " ".join(header["changes"])
    assert "re-cased" in changes
    assert "simplified" in changes


def test_committed_fixture__stays_small():
    assert DEFAULT_DISTRICTS_FIXTURE.stat().st_size < 300_000


def test_committed_fixture__lists_the_areas_sorted_by_code_one_a_line():
    lines = DEFAULT_DISTRICTS_FIXTURE.read_text(encoding="utf-8").splitlines()
    codes = [area["code"] for area in fixture_areas()]

    assert codes == sorted(codes)
    assert sum(1 for line in lines if line.startswith('{"code":')) == len(codes) == 183


def signed_area(ring: list[list[float]]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def crosses(a: list[float], b: list[float], c: list[float], d: list[float]) -> bool:
    """Whether the segments ab and cd meet (touching counts)."""

    def side(p: list[float], q: list[float], r: list[float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    def within(p: list[float], q: list[float], r: list[float]) -> bool:
        return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(
            p[1], q[1]
        )

    d1, d2, d3, d4 = side(c, d, a), side(c, d, b), side(a, b, c), side(a, b, d)
    if ((d1 > 0) != (d2 > 0) and d1 and d2) and ((d3 > 0) != (d4 > 0) and d3 and d4):
        return True
    return any(
        value == 0 and within(p, q, r)
        for value, p, q, r in ((d1, c, d, a), (d2, c, d, b), (d3, a, b, c), (d4, a, b, d))
    )


def is_simple(ring: list[list[float]]) -> bool:
    """No two segments of the closed ring meet, except neighbours at their shared end."""
    segments = list(itertools.pairwise(ring))
    count = len(segments)
    for i in range(count):
        for j in range(i + 2, count):
            if i == 0 and j == count - 1:
                continue  # the first and the last segment share the closing position
            if crosses(*segments[i], *segments[j]):
                return False
    return True


def test_committed_fixture__boundaries_are_closed_simple_rings_wound_as_geojson_asks():
    for area in fixture_areas():
        if area["level"] == Area.Level.MUNICIPALITY:
            assert area["boundary"] is None
            continue
        boundary = area["boundary"]
        assert boundary["type"] == "Polygon", area["code"]
        for position, ring in enumerate(boundary["coordinates"]):
            assert len(ring) >= 4, area["code"]
            assert ring[0] == ring[-1], area["code"]
            assert (signed_area(ring) > 0) == (position == 0), area["code"]
            assert all(value == round(value, 5) for point in ring for value in point)
            assert is_simple(ring), area["code"]


def test_simplify_ring__drops_points_within_the_tolerance_and_keeps_the_others():
    def at(east_m: float, north_m: float) -> list[float]:
        lat = 60.2 + north_m / METRES_PER_DEGREE
        lon = 24.95 + east_m / (METRES_PER_DEGREE * math.cos(math.radians(60.2)))
        return [lon, lat]

    # A 1 km square, its south edge bent out by 4 m and its north edge by 40 m.
    ring = [at(0, 0), at(500, -4), at(1000, 0), at(1000, 1000), at(500, 1040), at(0, 1000)]

    simplified = simplify_ring([*ring, ring[0]], tolerance=10)

    expected = [at(0, 0), at(1000, 0), at(1000, 1000), at(500, 1040), at(0, 1000), at(0, 0)]
    assert simplified == [[round(lon, 5), round(lat, 5)] for lon, lat in expected]


def test_simplify_ring__lets_a_ring_smaller_than_the_tolerance_collapse():
    ring = [[25.03883857, 60.17439628], [25.0388408, 60.17439646], [25.03884303, 60.17439664]]

    assert simplify_ring([*ring, ring[0]]) == []


# --- Casing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upper", "known", "cased"),
    [
        ("KALLIO", [], "Kallio"),
        ("ALPPIHARJU", [], "Alppiharju"),
        ("MELLUNKYLÄ", [], "Mellunkylä"),
        ("BERGHÄLL", [], "Berghäll"),
        ("ÅSHÖJDEN", [], "Åshöjden"),
        ("ÖSTERSUNDOM", [], "Östersundom"),
        ("ITÄ-PASILA", [], "Itä-Pasila"),
        ("VÄSTRA  BAGGBÖLE", [], "Västra Baggböle"),
        ("VANHAKAUPUNKI", ["Toukola", "Vanhakaupunki"], "Vanhakaupunki"),
        ("VÄSTRA HOLMARNA", ["Västra holmarna"], "Västra holmarna"),
    ],
)
def test_proper_case__cases_upper_case_names_as_they_are_written(
    upper: str, known: list[str], cased: str
):
    assert proper_case(upper, known=known) == cased


# --- Malformed input ----------------------------------------------------------------------------

SQUARE = [[24.94, 60.18], [24.96, 60.18], [24.96, 60.19], [24.94, 60.19], [24.94, 60.18]]


def feature(division: str, code: str, name_fi: str, name_sv: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "aluejako": division,
            "kunta": "091",
            "kokotunnus": code,
            "tunnus": code[4:7] if division == "PERUSPIIRI" else code[7:],
            "nimi_fi": name_fi,
            "nimi_se": name_sv,
            "paivitetty_tietopalveluun": "2024-02-02",
        },
        "geometry": {"type": "Polygon", "coordinates": [copy.deepcopy(SQUARE)]},
    }


def small_city_data() -> tuple[dict[str, Any], dict[str, Any]]:
    """One basic district with one sub-district, in the City's format."""
    basic = feature("PERUSPIIRI", "0913301000", "KALLIO", "BERGHÄLL")
    sub = feature("OSA-ALUE", "0913301111", "Siltasaari", "Broholmen")
    return (
        {"type": "FeatureCollection", "features": [basic]},
        {"type": "FeatureCollection", "features": [sub]},
    )


def write_city_files(
    tmp_path: Path, basic: object, sub: object, *, raw: str | None = None
) -> list[str]:
    basic_path, sub_path = tmp_path / "peruspiirit.json", tmp_path / "osa-alueet.json"
    basic_path.write_text(raw if raw is not None else json.dumps(basic), encoding="utf-8")
    sub_path.write_text(json.dumps(sub), encoding="utf-8")
    return ["--basic-districts", str(basic_path), "--sub-districts", str(sub_path)]


def test_import_districts__imports_files_in_the_city_format(tmp_path: Path):
    basic, sub = small_city_data()

    output = run_command(*write_city_files(tmp_path, basic, sub))

    assert "created 3" in output
    parent = Area.objects.filter(code="0913301111").values_list("parent__name_sv", flat=True)
    assert list(parent) == ["Berghäll"]


def swap_files(basic: dict, sub: dict) -> None:
    basic["features"], sub["features"] = sub["features"], basic["features"]


def latitude_first(basic: dict, sub: dict) -> None:
    basic["features"][0]["geometry"]["coordinates"] = [[[lat, lon] for lon, lat in SQUARE]]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda basic, sub: basic.update(type="Feature"), "is not a GeoJSON FeatureCollection"),
        (lambda basic, sub: basic.update(features=[]), "has no features"),
        (swap_files, "are the files the right way round?"),
        (lambda basic, sub: basic["features"][0]["properties"].pop("nimi_se"), "'nimi_se' is"),
        (
            lambda basic, sub: sub["features"][0]["properties"].update(kokotunnus="0913302111"),
            "its parent 0913302000 is not a basic district",
        ),
        (
            lambda basic, sub: basic["features"][0]["properties"].update(kokotunnus="0493301000"),
            "only Helsinki (091)",
        ),
        (latitude_first, "is not a WGS84 longitude and latitude in Helsinki"),
        (
            lambda basic, sub: basic["features"][0].update(geometry={"type": "Point"}),
            "must be a Polygon or a MultiPolygon",
        ),
    ],
)
def test_import_districts__refuses_malformed_city_files_and_changes_nothing(
    tmp_path: Path, spoil: Callable[[dict, dict], None], message: str
):
    basic, sub = small_city_data()
    spoil(basic, sub)

    with pytest.raises(CommandError, match=re.escape(message)):
        run_command(*write_city_files(tmp_path, basic, sub))

    assert not Area.objects.exists()


def test_import_districts__refuses_a_file_that_is_not_json(tmp_path: Path):
    basic, sub = small_city_data()

    with pytest.raises(CommandError, match="is not valid JSON"):
        run_command(*write_city_files(tmp_path, basic, sub, raw='{"type": "FeatureColl'))


def test_import_districts__refuses_a_missing_file(tmp_path: Path):
    with pytest.raises(CommandError, match=r"Cannot read .*missing\.geojson"):
        run_command(
            "--basic-districts",
            str(tmp_path / "missing.geojson"),
            "--sub-districts",
            str(tmp_path / "missing-too.geojson"),
        )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--basic-districts", "peruspiirit.json"], "Give both"),
        (["--sub-districts", "osa-alueet.json"], "Give both"),
        (["--write-fixture", "out.json"], "--write-fixture needs"),
    ],
)
def test_import_districts__needs_both_city_files_or_neither(args: list[str], message: str):
    with pytest.raises(CommandError, match=re.escape(message)):
        run_command(*args)


def spoil_fixture(tmp_path: Path, spoil: Callable[[dict[str, Any]], None]) -> Path:
    data = json.loads(DEFAULT_DISTRICTS_FIXTURE.read_text(encoding="utf-8"))
    spoil(data)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda data: data.pop("areas"), "has no list of 'areas'"),
        (lambda data: data["areas"][1].pop("boundary"), "must have exactly the keys"),
        (lambda data: data["areas"][1].update(level="city"), "unknown level 'city'"),
        (lambda data: data["areas"][1].update(name_sv=""), "'name_sv' must be a non-empty"),
        (lambda data: data["areas"][1].update(kalliola_works_here="yes"), "true or false"),
        (lambda data: data["areas"][1].update(parent_code="999"), "its parent 999 is not"),
        (lambda data: data["areas"].append(data["areas"][1]), "appears twice"),
    ],
)
def test_districts_fixture_read__refuses_a_malformed_fixture(
    tmp_path: Path, spoil: Callable[[dict[str, Any]], None], message: str
):
    path = spoil_fixture(tmp_path, spoil)

    with pytest.raises(DistrictDataError, match=re.escape(message)):
        districts_fixture_read(path=path)


# --- The factory --------------------------------------------------------------------------------


def test_area_factory__puts_a_sub_district_in_a_basic_district_in_a_municipality():
    area = AreaFactory.create()

    assert area.level == Area.Level.SUB_DISTRICT
    assert area.parent is not None
    assert area.parent.level == Area.Level.BASIC_DISTRICT
    assert area.parent.parent is not None
    assert area.parent.parent.level == Area.Level.MUNICIPALITY
    assert area.parent.parent.parent is None
    assert not area.is_official

"""Helsinki's official district division as Areas: read, simplify, store, load.

The City of Helsinki publishes its district division (piirijako) as open data under CC BY 4.0.
Two of its layers become Areas here, below the municipality Helsinki (code 091):

- basic districts (peruspiiri, 34), whose names the City publishes in UPPER CASE;
- sub-districts (osa-alue, 148), with properly cased names.

An area's official full code (kokotunnus) is the municipality code 091, the major-district digit,
the basic district's three-digit code and the sub-district's three-digit code; a basic district's
own full code ends in 000. So 0915503392 is Tapanila (392) in the Malmi basic district
(0915503000), and a sub-district's parent is its code with the last three digits set to 000.

`districts_parse_files` reads the City's GeoJSON into plain `DistrictRecord`s: the names
re-cased, the boundaries simplified. `districts_fixture_write` stores them in a compact JSON file
(neighbourhoods/data/helsinki-districts.json is committed, so the app does not need the City's
files) and `districts_fixture_read` reads that file back. `districts_import` then creates or
updates the Areas by code.

The boundaries are simplified with Douglas–Peucker, measured in metres, by the few lines below
rather than with shapely: a district polygon needs nothing else, and shapely would bring GEOS and
numpy into the app for this alone. The results were checked with shapely once (every simplified
polygon is valid); the tests check that every ring stays closed, simple and correctly wound.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import translation

from neighbourhoods.models import Area

DISTRICTS_DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_DISTRICTS_FIXTURE = DISTRICTS_DATA_DIR / "helsinki-districts.json"

HELSINKI_CODE = "091"
HELSINKI_NAME_FI = "Helsinki"
HELSINKI_NAME_SV = "Helsingfors"

# The layers' `aluejako` values.
BASIC_DISTRICT_DIVISION = "PERUSPIIRI"
SUB_DISTRICT_DIVISION = "OSA-ALUE"

# Douglas–Peucker tolerance: no simplified boundary is farther than this from the City's line.
# Neighbouring areas are simplified separately, so their shared boundaries may now differ by up to
# twice this. Coordinates are then rounded to 5 decimals: about 1 m in Helsinki.
SIMPLIFY_TOLERANCE_METRES = 10.0
COORDINATE_DECIMALS = 5

# Longitude and latitude of anything in Helsinki, generously: coordinates outside this are in
# another reference system (ETRS-GK25 metres) or latitude first, and would draw nothing sensible.
HELSINKI_LONGITUDES = (24.5, 25.6)
HELSINKI_LATITUDES = (59.8, 60.5)

METRES_PER_DEGREE = math.pi * 6_371_008.8 / 180  # along a meridian, on the mean Earth sphere

# Where Kalliola works, as named in the issue: Kallio, Sörnäinen, Vallila, Alppiharju, Kontula,
# Jakomäki, Malmi, Myllypuro. A newly created Area is marked `kalliola_works_here` if its code is
# here; an existing Area keeps what an admin chose. Where a name is both a basic district and one
# of its sub-districts, both are marked (for Jakomäki and Myllypuro they are the same land).
# Sörnäinen is neither a basic district nor a sub-district: it is city district (kaupunginosa) 10,
# whose sub-districts Vilhonvuori, Kalasatama, Sompasaari and Hanasaari (101–104) are in the
# Kallio basic district, which is marked.
KALLIOLA_AREAS: Mapping[str, str] = {
    "0913301000": "Kallio (basic district)",
    "0913302000": "Alppiharju (basic district)",
    "0913303000": "Vallila (basic district)",
    "0913303220": "Vallila (sub-district)",
    "0915503000": "Malmi (basic district)",
    "0915506000": "Jakomäki (basic district)",
    "0915506414": "Jakomäki (sub-district)",
    "0917702000": "Myllypuro (basic district)",
    "0917702454": "Myllypuro (sub-district)",
    "0917703471": "Kontula (sub-district)",
}

ATTRIBUTION = (
    "City of Helsinki, Urban Environment Division / City Survey Services: "
    "Helsinki district division (Helsingin piirijako), CC BY 4.0"
)
LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
SOURCE = {
    "dataset": "Helsinki district division (Helsingin piirijako)",
    "publisher": "City of Helsinki, Urban Environment Division / City Survey Services",
    "url": "https://hri.fi/data/en_GB/dataset/helsingin-piirijako",
    "service": "https://kartta.hel.fi/ws/geoserver/avoindata/wfs",
    "layers": ["avoindata:Piirijako_peruspiiri", "avoindata:Piirijako_osaalue"],
}
CHANGES = [
    "Only the full and short codes and the Finnish and Swedish names are kept from the "
    "attributes; the municipality Helsinki (091) is added, and each area's parent is taken "
    "from its full code.",
    "The basic districts' UPPER CASE names are re-cased (KALLIO → Kallio, BERGHÄLL → Berghäll, "
    "ITÄ-PAKILA → Itä-Pakila); where a basic district has the name of one of its "
    "sub-districts, the sub-district's spelling is used.",
    f"The boundaries are simplified (Douglas–Peucker, tolerance "
    f"{SIMPLIFY_TOLERANCE_METRES:g} m) and their coordinates rounded to {COORDINATE_DECIMALS} "
    "decimals; holes that collapse to nothing are left out. Neighbouring boundaries may no "
    "longer meet exactly.",
    "kalliola_works_here is Kalliola's own data, not the City's: the areas Kalliola works in.",
]

LEVEL_ORDER = {
    Area.Level.MUNICIPALITY: 0,
    Area.Level.BASIC_DISTRICT: 1,
    Area.Level.SUB_DISTRICT: 2,
}
PARENT_LEVEL = {
    Area.Level.BASIC_DISTRICT: Area.Level.MUNICIPALITY,
    Area.Level.SUB_DISTRICT: Area.Level.BASIC_DISTRICT,
}

# Municipality code, major-district digit, basic-district code, sub-district code (000 for a
# basic district itself).
FULL_CODE = re.compile(r"^(?P<municipality>\d{3})\d(?P<basic>\d{3})(?P<sub>\d{3})$")

RECORD_KEYS = (
    "code",
    "level",
    "short_code",
    "parent_code",
    "name_fi",
    "name_sv",
    "kalliola_works_here",
    "boundary",
)
HEADER_KEYS = ("source", "licence", "attribution", "changes")

Geometry = dict[str, Any]
Ring = list[list[float]]


class DistrictDataError(ValueError):
    """A district file is missing, unreadable or not what the importer expects."""


@dataclass(frozen=True)
class DistrictRecord:
    """One area as it is stored in the fixture and written to `Area`."""

    code: str
    level: str
    short_code: str
    parent_code: str | None
    name_fi: str
    name_sv: str
    kalliola_works_here: bool
    boundary: Geometry | None

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in RECORD_KEYS}


@dataclass(frozen=True)
class DistrictData:
    """The records, and the date the City last updated its data (when the data says)."""

    records: tuple[DistrictRecord, ...]
    updated: str | None = None


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


# --- Names --------------------------------------------------------------------------------------


def _capitalise(word: str) -> str:
    return word[:1].upper() + word[1:].lower()


def proper_case(name: str, *, known: Iterable[str] = ()) -> str:
    """An UPPER CASE place name, properly cased: "ITÄ-PASILA" → "Itä-Pasila".

    A name in `known` that is the same but for case wins (the sub-districts' names are properly
    cased, so "VANHAKAUPUNKI" takes the spelling of the sub-district Vanhakaupunki). Otherwise
    every word, and every part of a hyphenated word, gets a capital initial: right for the
    names of the basic districts, which are single words, hyphenated compounds ("Itä-Pakila",
    "Taka-Töölö") or, in Swedish, a direction and a name ("Västra Baggböle"). It would be wrong
    for a name with a common noun in it ("Västra holmarna", "Malmin lentokenttä"), which is
    why the sub-districts' own spelling is used when there is one.
    """
    plain = " ".join(name.split())
    for candidate in known:
        if candidate.casefold() == plain.casefold():
            return candidate
    return re.sub(r"[^\s-]+", lambda match: _capitalise(match.group()), plain)


# --- Boundaries ---------------------------------------------------------------------------------


def _douglas_peucker(points: Sequence[tuple[float, float]], tolerance: float) -> list[int]:
    """The indexes of the points kept when the polyline is simplified (first and last always)."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (ax, ay), (bx, by) = points[first], points[last]
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        farthest, distance = -1, tolerance
        for index in range(first + 1, last):
            px, py = points[index]
            t = (
                0.0
                if length2 == 0
                else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
            )
            d = math.hypot(px - ax - t * dx, py - ay - t * dy)
            if d > distance:
                farthest, distance = index, d
        if farthest >= 0:
            keep.add(farthest)
            stack.extend([(first, farthest), (farthest, last)])
    return sorted(keep)


def _signed_area(ring: Ring) -> float:
    """Positive when the ring runs counterclockwise (in longitude/latitude)."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in itertools.pairwise(ring)) / 2


def simplify_ring(ring: Ring, *, tolerance: float = SIMPLIFY_TOLERANCE_METRES) -> Ring:
    """A closed ring simplified to `tolerance` metres and rounded; [] if it collapses."""
    if ring[0] != ring[-1]:
        ring = [*ring, ring[0]]
    if len(ring) < 4:
        return []
    mean_latitude = sum(lat for _, lat in ring) / len(ring)
    x_scale = METRES_PER_DEGREE * math.cos(math.radians(mean_latitude))
    points = [(lon * x_scale, lat * METRES_PER_DEGREE) for lon, lat in ring]
    # A closed ring has no ends to keep: anchor it at its first point and the point farthest
    # from it, and simplify the two halves.
    x0, y0 = points[0]
    far = max(
        range(1, len(points) - 1), key=lambda i: (points[i][0] - x0) ** 2 + (points[i][1] - y0) ** 2
    )
    kept = _douglas_peucker(points[: far + 1], tolerance)
    kept += [far + index for index in _douglas_peucker(points[far:], tolerance)[1:]]
    simplified: Ring = []
    for index in kept:
        lon, lat = ring[index]
        position = [round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)]
        if not simplified or position != simplified[-1]:
            simplified.append(position)
    if len(simplified) < 4 or _signed_area(simplified) == 0:
        return []
    return simplified


def simplify_geometry(
    geometry: Mapping[str, Any], *, tolerance: float = SIMPLIFY_TOLERANCE_METRES
) -> Geometry | None:
    """A Polygon or MultiPolygon simplified, rounded and wound as RFC 7946 asks.

    Exterior rings run counterclockwise and holes clockwise. Holes that collapse are left out,
    and so are polygons whose exterior collapses; None if nothing is left.
    """
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    parts: list[list[Ring]] = []
    for polygon in polygons:
        rings: list[Ring] = []
        for position, ring in enumerate(polygon):
            simplified = simplify_ring(ring, tolerance=tolerance)
            if not simplified:
                if position == 0:
                    break  # the exterior collapsed: the whole polygon goes
                continue
            is_exterior = position == 0
            if (_signed_area(simplified) > 0) != is_exterior:
                simplified.reverse()
            rings.append(simplified)
        if rings:
            parts.append(rings)
    if not parts:
        return None
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": parts[0]}
    return {"type": "MultiPolygon", "coordinates": parts}


# --- The City's GeoJSON -------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise DistrictDataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DistrictDataError(f"{path} is not valid JSON: {exc}") from exc


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_geometry(geometry: object, *, where: str) -> Mapping[str, Any]:
    """A Polygon or MultiPolygon in WGS84 longitude/latitude somewhere in Helsinki."""
    if not isinstance(geometry, Mapping) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise DistrictDataError(f"{where}: the geometry must be a Polygon or a MultiPolygon.")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise DistrictDataError(f"{where}: the geometry has no coordinates.")
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise DistrictDataError(f"{where}: a polygon has no rings.")
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 4:
                raise DistrictDataError(f"{where}: a ring has fewer than four positions.")
            for position in ring:
                if (
                    not isinstance(position, list)
                    or len(position) < 2
                    or not all(_is_number(value) for value in position)
                ):
                    raise DistrictDataError(f"{where}: {position!r} is not a position.")
                lon, lat = position[0], position[1]
                if not (
                    HELSINKI_LONGITUDES[0] <= lon <= HELSINKI_LONGITUDES[1]
                    and HELSINKI_LATITUDES[0] <= lat <= HELSINKI_LATITUDES[1]
                ):
                    raise DistrictDataError(
                        f"{where}: the position {lon}, {lat} is not a WGS84 longitude and "
                        "latitude in Helsinki. Export the layer in WGS84 (EPSG:4326) with the "
                        "longitude first."
                    )
    return geometry


def _features(path: Path, *, division: str) -> list[tuple[dict[str, str], Mapping[str, Any]]]:
    """The features of one layer file: their properties (texts) and geometries, checked."""
    data = _read_json(path)
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise DistrictDataError(f"{path} is not a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise DistrictDataError(f"{path} has no features.")
    checked = []
    for number, feature in enumerate(features, start=1):
        where = f"{path}, feature {number}"
        properties = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(properties, Mapping):
            raise DistrictDataError(f"{where} has no properties.")
        texts: dict[str, str] = {}
        for key in ("aluejako", "kokotunnus", "tunnus", "nimi_fi", "nimi_se"):
            value = properties.get(key)
            if not isinstance(value, str) or not value.strip():
                raise DistrictDataError(f"{where}: '{key}' is missing.")
            texts[key] = " ".join(value.split())
        updated = properties.get("paivitetty_tietopalveluun")
        if isinstance(updated, str):
            texts["updated"] = updated
        if texts["aluejako"] != division:
            raise DistrictDataError(
                f"{where} is a {texts['aluejako']}, not a {division}: are the files the right "
                "way round?"
            )
        where = f"{path}, {texts['kokotunnus']} {texts['nimi_fi']}"
        checked.append((texts, _check_geometry(feature.get("geometry"), where=where)))
    return checked


def _split_code(texts: Mapping[str, str], *, path: Path) -> re.Match[str]:
    match = FULL_CODE.match(texts["kokotunnus"])
    where = f"{path}, {texts['kokotunnus']} {texts['nimi_fi']}"
    if match is None:
        raise DistrictDataError(f"{where}: the full code (kokotunnus) must be ten digits.")
    if match["municipality"] != HELSINKI_CODE:
        raise DistrictDataError(f"{where}: only Helsinki ({HELSINKI_CODE}) is known here.")
    return match


def _boundary(geometry: Mapping[str, Any], *, where: str) -> Geometry:
    boundary = simplify_geometry(geometry)
    if boundary is None:
        raise DistrictDataError(f"{where}: the boundary collapses when simplified.")
    return boundary


def districts_parse_files(*, basic_districts: Path, sub_districts: Path) -> DistrictData:
    """Read the City's basic-district and sub-district GeoJSON files into records.

    The files are the WFS layers avoindata:Piirijako_peruspiiri and avoindata:Piirijako_osaalue
    as GeoJSON in WGS84, longitude first.
    """
    basic_features = _features(basic_districts, division=BASIC_DISTRICT_DIVISION)
    sub_features = _features(sub_districts, division=SUB_DISTRICT_DIVISION)

    # The sub-districts by the basic district their full code names.
    children: dict[str, list[dict[str, str]]] = {}
    for texts, _ in sub_features:
        match = _split_code(texts, path=sub_districts)
        if match["sub"] == "000" or match["sub"] != texts["tunnus"]:
            raise DistrictDataError(
                f"{sub_districts}, {texts['kokotunnus']} {texts['nimi_fi']}: a sub-district's "
                f"full code must end in its own code ({texts['tunnus']})."
            )
        children.setdefault(texts["kokotunnus"][:7] + "000", []).append(texts)

    records = [
        DistrictRecord(
            code=HELSINKI_CODE,
            level=Area.Level.MUNICIPALITY,
            short_code=HELSINKI_CODE,
            parent_code=None,
            name_fi=HELSINKI_NAME_FI,
            name_sv=HELSINKI_NAME_SV,
            kalliola_works_here=False,
            boundary=None,
        )
    ]
    for texts, geometry in basic_features:
        match = _split_code(texts, path=basic_districts)
        code = texts["kokotunnus"]
        where = f"{basic_districts}, {code} {texts['nimi_fi']}"
        if match["sub"] != "000" or match["basic"] != texts["tunnus"]:
            raise DistrictDataError(
                f"{where}: a basic district's full code must end in its own code "
                f"({texts['tunnus']}) and 000."
            )
        own = children.get(code, [])
        records.append(
            DistrictRecord(
                code=code,
                level=Area.Level.BASIC_DISTRICT,
                short_code=texts["tunnus"],
                parent_code=HELSINKI_CODE,
                name_fi=proper_case(texts["nimi_fi"], known=[c["nimi_fi"] for c in own]),
                name_sv=proper_case(texts["nimi_se"], known=[c["nimi_se"] for c in own]),
                kalliola_works_here=code in KALLIOLA_AREAS,
                boundary=_boundary(geometry, where=where),
            )
        )
    for texts, geometry in sub_features:
        code = texts["kokotunnus"]
        records.append(
            DistrictRecord(
                code=code,
                level=Area.Level.SUB_DISTRICT,
                short_code=texts["tunnus"],
                parent_code=code[:7] + "000",
                name_fi=texts["nimi_fi"],
                name_sv=texts["nimi_se"],
                kalliola_works_here=code in KALLIOLA_AREAS,
                boundary=_boundary(geometry, where=f"{sub_districts}, {code} {texts['nimi_fi']}"),
            )
        )
    records.sort(key=lambda record: record.code)
    _check_records(records, where=f"{basic_districts} and {sub_districts}")
    dates = {texts["updated"] for texts, _ in basic_features + sub_features if "updated" in texts}
    return DistrictData(records=tuple(records), updated=max(dates) if dates else None)


# --- The records, checked -----------------------------------------------------------------------


def _max_length(field_name: str) -> int | None:
    field = Area._meta.get_field(field_name)
    return field.max_length if isinstance(field, models.Field) else None


def _check_records(records: Sequence[DistrictRecord], *, where: str) -> None:
    """Unique codes within the model's limits, and a parent of the right level for each area."""
    max_lengths = {name: _max_length(name) for name in ("code", "short_code", "name")}
    levels: dict[str, str] = {}
    for record in records:
        if record.level not in Area.Level.values:
            raise DistrictDataError(f"{where}, {record.code}: unknown level {record.level!r}.")
        if record.code in levels:
            raise DistrictDataError(f"{where}: the code {record.code} appears twice.")
        levels[record.code] = record.level
        for value, limit in (
            (record.code, max_lengths["code"]),
            (record.short_code, max_lengths["short_code"]),
            (record.name_fi, max_lengths["name"]),
            (record.name_sv, max_lengths["name"]),
        ):
            if limit is not None and len(value) > limit:
                raise DistrictDataError(f"{where}, {record.code}: {value!r} is too long.")
    for record in records:
        expected = PARENT_LEVEL.get(Area.Level(record.level))
        if expected is None:
            if record.parent_code is not None:
                raise DistrictDataError(f"{where}, {record.code}: a municipality has no parent.")
            continue
        if record.parent_code is None:
            raise DistrictDataError(f"{where}, {record.code} {record.name_fi} has no parent.")
        if levels.get(record.parent_code) != expected:
            raise DistrictDataError(
                f"{where}, {record.code} {record.name_fi}: its parent {record.parent_code} is "
                f"not a {expected.replace('_', ' ')} in the data."
            )


# --- The compact fixture ------------------------------------------------------------------------


def districts_fixture_dumps(data: DistrictData) -> str:
    """The fixture's text: the header, then one area a line, sorted by code; no timestamps."""

    def dump(value: object, **kwargs: Any) -> str:
        return json.dumps(value, ensure_ascii=False, **kwargs)

    header: dict[str, Any] = {
        "source": {**SOURCE, "updated": data.updated},
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "changes": CHANGES,
    }
    records = sorted(data.records, key=lambda record: record.code)
    lines = ["{"]
    lines += [f"{dump(key)}: {dump(header[key])}," for key in HEADER_KEYS]
    lines.append('"areas": [')
    lines.append(",\n".join(dump(record.as_dict(), separators=(",", ":")) for record in records))
    lines += ["]", "}"]
    return "\n".join(lines) + "\n"


def districts_fixture_write(*, data: DistrictData, path: Path) -> int:
    """Write the fixture; returns its size in bytes."""
    content = districts_fixture_dumps(data).encode("utf-8")
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise DistrictDataError(f"Cannot write {path}: {exc.strerror or exc}.") from exc
    return len(content)


def _record_from_fixture(item: object, *, where: str) -> DistrictRecord:
    if not isinstance(item, Mapping) or set(item) != set(RECORD_KEYS):
        raise DistrictDataError(
            f"{where}: an area must have exactly the keys {', '.join(RECORD_KEYS)}."
        )
    for key in ("code", "short_code", "name_fi", "name_sv"):
        if not isinstance(item[key], str) or not item[key].strip():
            raise DistrictDataError(f"{where}: an area's '{key}' must be a non-empty text.")
    where = f"{where}, {item['code']}"
    if item["level"] not in Area.Level.values:
        raise DistrictDataError(f"{where}: unknown level {item['level']!r}.")
    if item["parent_code"] is not None and not isinstance(item["parent_code"], str):
        raise DistrictDataError(f"{where}: 'parent_code' must be a code or null.")
    if not isinstance(item["kalliola_works_here"], bool):
        raise DistrictDataError(f"{where}: 'kalliola_works_here' must be true or false.")
    boundary = item["boundary"]
    if boundary is not None:
        _check_geometry(boundary, where=where)
    return DistrictRecord(**{key: item[key] for key in RECORD_KEYS})


def districts_fixture_read(*, path: Path = DEFAULT_DISTRICTS_FIXTURE) -> DistrictData:
    """Read a fixture written by `districts_fixture_write`."""
    data = _read_json(path)
    if not isinstance(data, Mapping) or not isinstance(data.get("areas"), list):
        raise DistrictDataError(f"{path} is not a districts fixture: it has no list of 'areas'.")
    source = data.get("source")
    updated = source.get("updated") if isinstance(source, Mapping) else None
    records = [_record_from_fixture(item, where=str(path)) for item in data["areas"]]
    if not records:
        raise DistrictDataError(f"{path} has no areas.")
    _check_records(records, where=str(path))
    return DistrictData(
        records=tuple(records), updated=updated if isinstance(updated, str) else None
    )


# --- Into the database --------------------------------------------------------------------------


@transaction.atomic
def districts_import(*, records: Sequence[DistrictRecord]) -> ImportReport:
    """Create or update the Areas by code, so that a second run changes nothing.

    Existing rows keep their ids, and `kalliola_works_here` as an admin left it: the record's
    value is used only for a new row. Every area is marked official. Official areas missing
    from the records are left as they are: activities may refer to them.
    """
    _check_records(records, where="The districts")
    report = ImportReport()
    existing = Area.objects.in_bulk([record.code for record in records], field_name="code")
    ids: dict[str, int] = {}
    # The untranslated `name` column follows the default language's (Finnish) name.
    with translation.override(settings.MODELTRANSLATION_DEFAULT_LANGUAGE):
        for record in sorted(records, key=lambda r: (LEVEL_ORDER[Area.Level(r.level)], r.code)):
            values: dict[str, Any] = {
                "level": record.level,
                "short_code": record.short_code,
                "name_fi": record.name_fi,
                "name_sv": record.name_sv,
                "parent_id": ids[record.parent_code] if record.parent_code else None,
                "is_official": True,
                "boundary": record.boundary,
            }
            area = existing.get(record.code)
            if area is None:
                area = Area(
                    code=record.code, kalliola_works_here=record.kalliola_works_here, **values
                )
                area.save()
                report.created += 1
            else:
                changed = [name for name, value in values.items() if getattr(area, name) != value]
                if changed:
                    for name in changed:
                        setattr(area, name, values[name])
                    fields = {"parent" if name == "parent_id" else name for name in changed}
                    if "name_fi" in fields:
                        fields.add("name")
                    area.save(update_fields=sorted([*fields, "updated_at"]))
                    report.updated += 1
                else:
                    report.unchanged += 1
            ids[record.code] = area.pk
    return report

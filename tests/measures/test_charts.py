"""A metric's chart: values, baseline, target line and targets as SVG geometry and words."""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from itertools import pairwise

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from measures.charts import Chart, ChartData, Point, chart
from measures.models import Period
from measures.periods import next_period, period_label

SVG = "{http://www.w3.org/2000/svg}"
NUMBER = re.compile(r"-?\d+(\.\d)?")


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def quarters(*values: int | None, first: datetime.date = datetime.date(2024, 1, 1)) -> list[Point]:
    points, start = [], first
    for value in values:
        amount = None if value is None else Decimal(value)
        points.append(Point(start, period_label(start, Period.QUARTER), amount))
        start = next_period(start, Period.QUARTER)
    return points


def months(count: int, first: datetime.date = datetime.date(2023, 1, 1)) -> list[datetime.date]:
    starts = [first]
    while len(starts) < count:
        starts.append(next_period(starts[-1], Period.MONTH))
    return starts[:count]


def data(points: list[Point], **kwargs) -> ChartData:
    return ChartData(points, kwargs.pop("unit", "hlö"), Period.QUARTER, **kwargs)


def tick_values(result: Chart) -> list[Decimal]:
    return [Decimal(t.label.replace(",", "")) for t in result.y_ticks]


def numbers_in(result: Chart) -> list[str]:
    found = [n for d in result.lines for n in re.findall(r"[-\d.]+", d)]
    for m in result.markers:
        found += [str(m.x), str(m.y)]
    return found + [str(t.x) for t in result.x_ticks] + [str(t.y) for t in result.y_ticks]


def svg_of(html: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", html, re.DOTALL)
    assert found, "no <svg> in the chart"
    # Our own template's output, not untrusted input.
    return ET.fromstring(found[0])  # noqa: S314


def text_of(element: ET.Element, path: str) -> str:
    found = element.find(path)
    assert found is not None, f"no {path}"
    return found.text or ""


def render(result: Chart, **context) -> str:
    return render_to_string("measures/chart.html", {"chart": result, "id": "c1", **context})


def test_chart__without_points_is_empty_and_says_so():
    result = chart(data([]))

    assert result.empty
    assert result.lines == result.markers == result.x_ticks == result.y_ticks == ()
    assert result.summary == "No complete value yet."
    assert result.rows == ()


def test_chart__with_only_no_data_is_empty_and_keeps_the_rows_as_no_data():
    result = chart(data(quarters(None, None, None)))

    assert result.empty
    assert [row.value for row in result.rows] == [None, None, None]
    assert result.summary == "No complete value yet."


def test_chart__one_point_is_a_marker_in_the_middle_without_a_line():
    result = chart(data(quarters(50)))

    assert not result.empty
    assert result.lines == ()
    [marker] = result.markers
    assert marker.kind == "value"
    assert marker.x == pytest.approx((result.left + result.right) / 2, abs=0.6)
    assert result.top <= marker.y < result.bottom
    assert tick_values(result)[0] == 0
    assert 3 <= len(result.y_ticks) <= 5


def test_chart__puts_a_point_in_the_middle_of_its_period_by_day():
    result = chart(data(quarters(10, 20)))  # 2024 Q1 (91 days) and Q2: 182 days in all

    plot = result.right - result.left
    assert result.markers[0].x == pytest.approx(result.left + 45.5 / 182 * plot, abs=0.1)
    assert result.markers[1].x == pytest.approx(result.left + (91 + 45.5) / 182 * plot, abs=0.1)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.none() | st.decimals(-(10**12), 10**12, places=4, allow_nan=False), max_size=40),
    st.integers(120, 1000),
)
def test_chart__any_values_stay_inside_the_plot_with_three_to_five_ticks(values, width):
    points = [
        Point(start, period_label(start, Period.MONTH), value)
        for start, value in zip(months(len(values)), values, strict=True)
    ]
    with translation.override("en"):
        result = chart(ChartData(points, "hlö", Period.MONTH), width=width)

    assert result.empty == all(v is None for v in values)
    if not result.empty:
        assert 3 <= len(result.y_ticks) <= 5
        for m in result.markers:
            assert result.left <= m.x <= result.right
            assert result.top <= m.y <= result.bottom
        assert all(NUMBER.fullmatch(n) for n in numbers_in(result))
    assert len(result.lines) <= len(values) // 2 + 1


def test_chart__all_zeros_sit_on_the_bottom_of_an_axis_that_still_has_a_top():
    result = chart(data(quarters(0, 0, 0)))

    values = tick_values(result)
    assert values[0] == 0
    assert values[-1] > 0
    assert {m.y for m in result.markers} == {result.bottom}


@pytest.mark.parametrize(
    ("lowest", "highest", "ends"),
    [
        (0, 6367, (0, 8000)),
        (0, 100, (0, 100)),
        (0, 7, (0, 8)),
        (0, Decimal("0.42"), (0, Decimal("0.6"))),
        (-30, 45, (-50, 50)),
        (-12, -3, (-15, 0)),
    ],
)
def test_chart__axis_has_three_to_five_round_ticks_from_zero_or_below(lowest, highest, ends):
    result = chart(data(quarters(lowest, highest)))

    values = tick_values(result)
    assert (values[0], values[-1]) == ends
    assert 3 <= len(values) <= 5
    steps = {b - a for a, b in pairwise(values)}
    assert len(steps) == 1
    assert steps.pop().normalize().as_tuple().digits[0] in {1, 2, 5}


def test_chart__negative_values_go_below_the_zero_axis():
    result = chart(data(quarters(-20, 5)))

    values = tick_values(result)
    assert values[0] <= -20
    assert 0 in values
    assert result.zero == next(t.y for t in result.y_ticks if t.label == "0")
    assert result.top < result.zero < result.markers[0].y <= result.bottom


def test_chart__a_huge_value_gets_a_round_top_and_grouped_labels():
    result = chart(data(quarters(10, 987_654_321_098)))

    assert result.y_ticks[-1].label == "1,000,000,000,000"
    assert result.markers[1].y >= result.top
    assert all(NUMBER.fullmatch(n) for n in numbers_in(result))


def test_chart__numbers_in_the_geometry_have_at_most_one_decimal():
    result = chart(
        data(quarters(3, 7, 11, 2), trajectory=((datetime.date(2024, 1, 1), Decimal(3)),) * 2),
        width=333,
    )

    assert all(NUMBER.fullmatch(n) for n in numbers_in(result))


def test_chart__a_trajectory_ending_after_the_last_point_extends_the_time_axis():
    start, end = datetime.date(2024, 1, 1), datetime.date(2026, 12, 31)
    result = chart(
        data(
            quarters(100, 110, 120),
            baseline=(start, Decimal(100)),
            trajectory=((start, Decimal(100)), (end, Decimal(200))),
            targets=[(datetime.date(2025, 12, 31), Decimal(150)), (end, Decimal(200))],
        )
    )

    line = result.trajectory
    assert line is not None
    assert (line.x1, line.x2) == (result.left, result.right)
    assert line.y2 < line.y1
    values = [m for m in result.markers if m.kind == "value"]
    assert values[-1].x < result.right / 2
    targets = [m for m in result.markers if m.kind == "target"]
    assert (targets[-1].x, targets[-1].y) == (line.x2, line.y2)
    assert line.x1 < targets[0].x < line.x2
    [baseline] = [m for m in result.markers if m.kind == "baseline"]
    assert (baseline.x, baseline.y) == (line.x1, line.y1)


@pytest.mark.parametrize("width", [320, 640])
def test_chart__period_labels_are_thinned_so_they_never_overlap(width):
    points = [
        Point(start, period_label(start, Period.MONTH), Decimal(i))
        for i, start in enumerate(months(36))
    ]
    result = chart(ChartData(points, "hlö", Period.MONTH), width=width)

    ticks = result.x_ticks
    assert 2 <= len(ticks) < 36
    assert ticks[-1].label == "12/2025"  # the latest period is always named
    for a, b in pairwise(ticks):
        # 11 px digits are about 6 px wide; half of each label lies either side of its x.
        assert b.x - a.x >= (len(a.label) + len(b.label)) / 2 * 6.5
    assert ticks[0].x - len(ticks[0].label) / 2 * 6.5 >= 0
    assert ticks[-1].x + len(ticks[-1].label) / 2 * 6.5 <= width


def test_chart__no_data_in_the_middle_splits_the_line_and_is_never_drawn_as_zero():
    result = chart(data(quarters(10, 20, None, 30, 40)))

    assert len(result.lines) == 2
    assert all(d.count("L") == 1 for d in result.lines)
    assert len(result.markers) == 4
    assert result.rows[2].value is None
    assert result.y_ticks[0].y not in {m.y for m in result.markers}


def test_chart__the_incomplete_period_is_a_hollow_marker_off_the_line_and_said_in_words():
    points = [
        *quarters(10, 20, 30)[:2],
        Point(datetime.date(2024, 7, 1), "2024 Q3", Decimal(3), False),
    ]
    result = chart(data(points))

    assert [m.kind for m in result.markers] == ["value", "value", "incomplete"]
    assert result.markers[-1].text == "2024 Q3: 3\xa0hlö (incomplete)"
    assert len(result.lines) == 1
    assert result.lines[0].count("L") == 1
    assert result.summary == (
        "Latest complete value 20\xa0hlö in 2024 Q2. 2024 Q3 is incomplete: 3\xa0hlö so far."
    )
    assert result.rows[-1].complete is False


def test_chart__summary_names_the_latest_value_and_the_next_target_after_the_callers_status():
    result = chart(
        data(
            quarters(5000, 6367),
            targets=[
                (datetime.date(2023, 12, 31), Decimal(10)),
                (datetime.date(2025, 12, 31), Decimal(4000)),
            ],
        ),
        status="Off track.",
    )

    assert result.summary == (
        "Off track. Latest complete value 6,367\xa0hlö in 2024 Q2; target 4,000\xa0hlö for 2025."
    )


def test_chart__summary_in_finnish_groups_thousands_with_a_non_breaking_space():
    target = [(datetime.date(2025, 12, 31), Decimal(4000))]
    with translation.override("fi"):
        result = chart(data(quarters(5000, 6367), targets=target))

    assert result.summary == (
        "Viimeisimmän päättyneen jakson (2024 Q2) arvo 6\xa0367\xa0hlö;"
        " tavoitearvo 4\xa0000\xa0hlö vuodelle 2025."
    )


def test_chart__summary_in_swedish_is_translated():
    with translation.override("sv"):
        result = chart(data(quarters(None)))

    assert result.summary != "No complete value yet."


def test_chart__summary_without_values_still_names_the_target():
    result = chart(data(quarters(None), targets=[(datetime.date(2025, 12, 31), Decimal(40))]))

    assert not result.empty
    assert result.summary == "No complete value yet; target 40\xa0hlö for 2025."


def test_chart__sparkline_is_small_with_only_the_line_and_the_target_line():
    start, end = datetime.date(2024, 1, 1), datetime.date(2025, 12, 31)
    result = chart(
        data(
            quarters(1, 2, 3),
            trajectory=((start, Decimal(1)), (end, Decimal(9))),
            targets=[(end, Decimal(9))],
        ),
        sparkline=True,
    )

    assert (result.width, result.height) == (120, 32)
    assert result.view_box == "0 0 120 32"
    assert len(result.lines) == 1
    assert result.trajectory is not None
    assert result.markers == result.x_ticks == result.y_ticks == ()


def test_chart_template__is_valid_svg_without_inline_style_and_splits_a_gap():
    html = render(chart(data(quarters(10, 20, None, 30, 40))), title="Osallistujat")

    svg = svg_of(html)
    assert "style=" not in html
    assert "<script" not in html
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c1-title c1-desc"
    assert text_of(svg, f"{SVG}title") == "Osallistujat"
    assert "Latest complete value 40\xa0hlö" in text_of(svg, f"{SVG}desc")
    assert len(svg.findall(f".//{SVG}path[@class='chart__line']")) == 2
    assert "<figcaption>Latest complete value 40\xa0hlö" in html


def test_chart_template__escapes_the_unit():
    result = chart(data(quarters(1, 2, None), unit="<b>"))

    html = render(result)

    assert "<b>" not in html
    assert "&lt;b&gt;" in html
    svg_of(html)


def test_chart_template__draws_each_kind_of_marker_with_its_own_shape():
    start = datetime.date(2024, 1, 1)
    points = [*quarters(1, 2), Point(datetime.date(2024, 7, 1), "2024 Q3", Decimal(1), False)]
    result = chart(data(points, baseline=(start, Decimal(1)), targets=[(start, Decimal(5))]))

    svg = svg_of(render(result))

    assert len(svg.findall(f".//{SVG}circle[@class='chart__marker chart__marker--value']")) == 2
    [hollow] = svg.findall(f".//{SVG}circle[@class='chart__marker chart__marker--incomplete']")
    assert hollow.get("fill") == "white"
    assert svg.find(f".//{SVG}path[@class='chart__marker chart__marker--baseline']") is not None
    assert svg.find(f".//{SVG}path[@class='chart__marker chart__marker--target']") is not None
    assert text_of(hollow, f"{SVG}title") == "2024 Q3: 1\xa0hlö (incomplete)"


def test_chart_template__writes_coordinates_unlocalised_in_finnish():
    result = chart(data(quarters(1, 2, 3)), width=333)

    with translation.override("fi"):
        svg = svg_of(render(result))

    for element in svg.iter():
        for name in ("x", "y", "cx", "cy", "x1", "y1", "x2", "y2"):
            if name in element.attrib:
                assert NUMBER.fullmatch(element.attrib[name]), (name, element.attrib[name])


def test_chart_template__without_anything_to_draw_shows_the_summary_only():
    html = render(chart(data(quarters(None))))

    assert "<svg" not in html
    assert "<figcaption>No complete value yet." in html

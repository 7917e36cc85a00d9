"""The cells of a metric's numbers table, written in Python: a goal's dashboard can hold tens of
thousands of them, and the template language spends far longer per cell than this does."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from measures.charts import WIDE
from measures.selectors import HeatCell, Row

register = template.Library()


HUNDREDTH = Decimal("0.01")


def number(value: Decimal, separator: str) -> str:
    """As the templates' floatformat:"-2" writes it (6367, 3,50, 2,25 in Finnish), given the
    language's decimal separator: floatformat itself looks the format up for every cell."""
    if value == value.to_integral_value():
        return str(int(value))
    rounded = value.quantize(HUNDREDTH, ROUND_HALF_UP, context=WIDE)
    if rounded.is_zero():
        rounded = abs(rounded)  # never "-0,00"
    return f"{rounded:f}".replace(".", separator)


@register.simple_tag
def value_cells(rows: Iterable[Row]) -> SafeString:
    """The shown area's row: each period's value, or "no data"."""
    missing = format_html('<td><span class="muted">{}</span></td>', gettext("no data"))
    separator = formats.get_format("DECIMAL_SEPARATOR")
    cells = (
        missing if row.value is None else format_html("<td>{}</td>", number(row.value, separator))
        for row in rows
    )
    return format_html_join("", "{}", ((cell,) for cell in cells))


@register.simple_tag
def heat_cells(cells: Iterable[HeatCell]) -> SafeString:
    """An area's row of the breakdown: each value in a cell shaded by its level."""
    separator = formats.get_format("DECIMAL_SEPARATOR")
    return format_html_join(
        "",
        '<td class="heat heat--{}">{}</td>',
        (
            (cell.level, "–" if cell.value is None else number(cell.value, separator))
            for cell in cells
        ),
    )

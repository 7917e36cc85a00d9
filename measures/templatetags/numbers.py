"""The cells of a metric's numbers table, written in Python: a goal's dashboard can hold tens of
thousands of them, and the template language spends far longer per cell than this does."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from measures.selectors import HeatCell, Row

register = template.Library()


def number(value: Decimal) -> str:
    """As the templates' floatformat:"-2" writes it: 6367, 3,5, 2,25 in Finnish."""
    return str(floatformat(value, "-2"))


@register.simple_tag
def value_cells(rows: Iterable[Row]) -> SafeString:
    """The shown area's row: each period's value, or "no data"."""
    missing = format_html('<td><span class="muted">{}</span></td>', gettext("no data"))
    return format_html_join(
        "",
        "{}",
        (
            (missing if row.value is None else format_html("<td>{}</td>", number(row.value)),)
            for row in rows
        ),
    )


@register.simple_tag
def heat_cells(cells: Iterable[HeatCell]) -> SafeString:
    """An area's row of the breakdown: each value in a cell shaded by its level."""
    return format_html_join(
        "",
        '<td class="heat heat--{}">{}</td>',
        ((cell.level, "–" if cell.value is None else number(cell.value)) for cell in cells),
    )

"""The numbers tables' cells are written as the templates' floatformat:"-2" writes numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.utils import formats, translation

from measures.templatetags.numbers import number

VALUES = [
    "0",
    "1",
    "6367",
    "3.5",
    "2.25",
    "2.005",
    "2.0049",
    "-1.5",
    "-0.004",
    "99.999",
    "123456789012.3456",
    "0.0001",
    "-7",
]


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
@pytest.mark.parametrize("text", VALUES)
def test_a_cell_reads_as_floatformat_writes_it(language, text):
    with translation.override(language):
        value = Decimal(text)
        separator = formats.get_format("DECIMAL_SEPARATOR")
        assert number(value, separator) == str(floatformat(value, "-2"))

"""Row ids read from a URL's query string or a form: only plain ASCII digits name a row."""

from __future__ import annotations

import re

# Enough digits for any bigint, few enough that no database overflows.
_ID = re.compile(r"[0-9]{1,18}")


def parse_id(text: object) -> int | None:
    """The id the text names, or None. str.isdigit() is not enough: it accepts "²" and other
    characters that int() refuses, and then a page failed with a 500."""
    value = str(text if text is not None else "").strip()
    return int(value) if _ID.fullmatch(value) else None

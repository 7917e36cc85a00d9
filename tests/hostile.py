"""Hostile form values (Hypothesis strategies), the URLs that take a POST, and a snapshot of
every app table, for tests/test_hostile_inputs.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from auditlog.models import LogEntry
from django.apps import apps
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import strategies as st

# A field left out of the post altogether.
MISSING = object()

CURATED = [
    # Empty and blank
    "",
    " ",
    "\t\n",
    # NUL bytes, control, zero-width and direction characters
    "\x00",
    "1\x00",
    "Kontula\x00",
    "\x01\x07\x1b[31m\x7f",
    "\r\n\r\n",
    "\u200b",
    "\ufeff1",
    "\u200d\u2060",
    "\u202eKontula\u202c",
    "\u200fעברית",
    "مرحبا\u200e",
    # Emoji and other non-Latin text
    "😀",
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "Z̴̡͇̀a̷l̸g̵o̶",
    "ｆｕｌｌｗｉｄｔｈ",
    # SQL, HTML, templates, paths and format strings
    "'; DROP TABLE neighbourhoods_activity; --",
    "' OR '1'='1",
    '"><script>alert(1)</script>',
    "<img src=x onerror=alert(1)>",
    "{{ 7|add:7 }}{% debug %}",
    "%s%s%n",
    "{0.__class__}",
    "../../../etc/passwd",
    "javascript:alert(1)",
    "//evil.example.org/",
    "https://evil.example.org/",
    # Numbers written every way but the plain one
    "-1",
    "-0",
    "0",
    "+1",
    "1.0",
    "1,5",
    "1e3",
    "1E-30",
    "1e999",
    "NaN",
    "-NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "0x10",
    "1_000",
    "１２",
    "²",
    "٣",
    str(10**30),
    str(-(10**30)),
    str(2**63),
    str(2**31),
    "99999999999999999999",
    "0.0000000000000000000001",
    # Ids that are not one
    "[1]",
    "{1}",
    "1,2",
    "1 2",
    "None",
    "null",
    "true",
    # Dates and times that are not, or only just
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "2025-13-01",
    "2024-02-29",
    "10000-01-01",
    "-2025-01-01",
    "tomorrow",
    "31.12.2025",
    "2025-01-01T00:00:00+99:00",
    "24:00",
    "25:61",
    "12:00:00.9999999",
]

# Characters that break naive handling of text, mixed with everything else.
AWKWARD_CHARACTERS = st.sampled_from(
    ["\x00", "\x08", "\x1f", "\x7f", "\u200b", "\u202e", "\u200f", "\ufeff", "\u2028", "😀", "'"]
)

LONG = st.builds(
    lambda piece, extra: piece * (10_000 // len(piece)) + extra,
    st.sampled_from(["x", "ä", "😀", "\u202e", "<b>", "9", "\x00"]),
    st.sampled_from(["", "1", "\x00"]),
)

HOSTILE_VALUE: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(CURATED),
    st.text(st.one_of(AWKWARD_CHARACTERS, st.characters(codec="utf-8")), max_size=40),
    LONG,
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(lambda day: day.isoformat()),
)

FIELD_CHANGE: st.SearchStrategy[Any] = st.one_of(
    st.just(MISSING),
    HOSTILE_VALUE,
    st.lists(HOSTILE_VALUE, min_size=2, max_size=3),
)

# Field names no form here has, and ones a form should never take from a post.
STRAY_FIELDS = ("id", "pk", "created_by", "is_demo", "version", "metric", "__all__", "")


def hostile_posts(valid: Mapping[str, Any], fields: Sequence[str]) -> st.SearchStrategy[dict]:
    """The valid post with one to three fields dropped or replaced by hostile values."""
    changes = st.dictionaries(
        st.sampled_from([*fields, *STRAY_FIELDS]), FIELD_CHANGE, min_size=1, max_size=3
    )
    return changes.map(lambda change: _apply(valid, change))


def _apply(valid: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    data = dict(valid)
    for name, value in change.items():
        if value is MISSING:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def post_urls() -> Iterator[tuple[str, str]]:
    """(URL name or route, route) of every URL pattern whose view may take a POST."""
    for route, name, callback in _walk(get_resolver().url_patterns, "", ""):
        if accepts_post(callback):
            yield name or route, route


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str
) -> Iterator[tuple[str, str | None, Callable[..., Any]]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace or ""]))
            yield from _walk(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield route, name, pattern.callback


def accepts_post(view: Callable[..., Any]) -> bool:
    """Whether a view may take a POST: a class-based view with post(), or a function view
    unless require_GET / require_http_methods somewhere in its decorators rules it out."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return "post" in view_class.http_method_names and hasattr(view_class, "post")
    func: Any = view
    while func is not None:
        code = getattr(func, "__code__", None)
        if code is not None and func.__closure__:
            cells = dict(zip(code.co_freevars, func.__closure__, strict=True))
            if "request_method_list" in cells:
                return "POST" in cells["request_method_list"].cell_contents
        func = getattr(func, "__wrapped__", None)
    # Nothing restricts the methods (set_language, for one): it takes a POST.
    return True


def snapshot_tables(app_labels: Sequence[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the given apps (with their many-to-many tables) and of
    the audit log, read with plain SQL so that no manager hides or renames a column."""
    models = [
        model
        for label in app_labels
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy
    ]
    tables = sorted({model._meta.db_table for model in [*models, LogEntry]})
    with connection.cursor() as cursor:
        rows = {}
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")  # noqa: S608
            rows[table] = cursor.fetchall()
    return rows

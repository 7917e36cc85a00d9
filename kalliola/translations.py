"""Compile the translation catalogues without GNU gettext, so a fresh machine needs nothing more."""

from __future__ import annotations

from pathlib import Path

import polib


def compile_catalogues(locale_dir: Path) -> list[Path]:
    """Write a .mo file next to every .po file under locale_dir that is newer than its .mo."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
        written.append(mo_path)
    return written


def untranslated_entries(po_path: Path) -> list[str]:
    """The message ids in a catalogue that have no translation or only a fuzzy one."""
    catalogue = polib.pofile(str(po_path))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    missing += [entry.msgid for entry in catalogue.fuzzy_entries()]
    return missing

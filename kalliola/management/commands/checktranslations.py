from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from kalliola.translations import untranslated_entries

# The interface is written in English; Finnish and Swedish catalogues must be complete.
REQUIRED_LANGUAGES = ("fi", "sv")


class Command(BaseCommand):
    # Runs at image build time, where there is no database for the system checks to ask.
    requires_system_checks: list[str] = []
    help = "Fail if any interface string lacks a Finnish or Swedish translation."

    def handle(self, *args: Any, **options: Any) -> None:
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            for language in REQUIRED_LANGUAGES:
                po_paths = sorted((locale_dir / language / "LC_MESSAGES").glob("*.po"))
                if not po_paths:
                    problems.append(f"{language}: no catalogue")
                for po_path in po_paths:
                    problems += [
                        f"{language}: {msgid!r}" for msgid in untranslated_entries(po_path)
                    ]
        if problems:
            raise CommandError("Missing translations:\n" + "\n".join(problems))
        self.stdout.write("Every interface string is translated.")

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kalliola.translations import compile_catalogues


class Command(BaseCommand):
    # Runs at image build time, where there is no database for the system checks to ask.
    requires_system_checks: list[str] = []
    help = "Compile the .po catalogues into .mo files (no GNU gettext needed)."

    def handle(self, *args: Any, **options: Any) -> None:
        written = [mo for path in settings.LOCALE_PATHS for mo in compile_catalogues(path)]
        self.stdout.write(f"Compiled {len(written)} catalogue(s).")

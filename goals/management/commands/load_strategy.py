from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from goals.services import DEFAULT_STRATEGY_FILE, StrategyDataError, strategy_load_file
from goals.signals import strategy_loaded


class Command(BaseCommand):
    help = "Load (or update in place) a strategy from its TOML data file. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            default=DEFAULT_STRATEGY_FILE,
            help="The strategy data file (default: the 2023–2025 strategy).",
        )

    def handle(self, *args: Any, path: Path, **options: Any) -> None:
        try:
            strategy, report = strategy_load_file(path=path)
        except StrategyDataError as exc:
            raise CommandError(str(exc)) from exc
        strategy_loaded.send(sender=type(strategy), strategy=strategy)
        if not report.changed:
            self.stdout.write(f"{strategy}: already up to date, nothing changed.")
            return
        parts = [
            f"{verb} {sum(counter.values())}"
            for verb, counter in (
                ("created", report.created),
                ("updated", report.updated),
                ("removed", report.deleted),
            )
            if counter
        ]
        self.stdout.write(self.style.SUCCESS(f"{strategy}: {', '.join(parts)} rows."))

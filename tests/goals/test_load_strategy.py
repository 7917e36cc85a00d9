from __future__ import annotations

import re
import tomllib
from io import StringIO
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from goals.models import Goal, Means, Outcome, Strategy
from goals.services import DEFAULT_STRATEGY_FILE, StrategyDataError, strategy_load
from tests.factories import StrategyFactory

pytestmark = pytest.mark.django_db


def seed_data() -> dict:
    with DEFAULT_STRATEGY_FILE.open("rb") as handle:
        return tomllib.load(handle)


def run_command(*args: str) -> str:
    out = StringIO()
    call_command("load_strategy", *args, stdout=out)
    return out.getvalue()


def test_load_strategy__creates_the_seed_strategy():
    output = run_command()

    assert "created 56 rows" in output
    assert Strategy.objects.get(slug="2023-2025").status == Strategy.Status.ACTIVE


def test_load_strategy__second_run_changes_nothing():
    run_command()
    ids = sorted(Means.objects.values_list("id", "updated_at"))
    log_entries = LogEntry.objects.count()

    output = run_command()

    assert "nothing changed" in output
    assert sorted(Means.objects.values_list("id", "updated_at")) == ids
    assert LogEntry.objects.count() == log_entries


def test_load_strategy__text_fix_updates_in_place_keeping_ids(tmp_path: Path):
    run_command()
    means = Means.objects.get(goal__number=1, position=4)
    goal_id = Goal.objects.get(number=1).id
    fixed = DEFAULT_STRATEGY_FILE.read_text(encoding="utf-8").replace(
        "viestimällä samaan sävyyn", "viestimällä yhteiseen sävyyn"
    )
    path = tmp_path / "fixed.toml"
    path.write_text(fixed, encoding="utf-8")

    output = run_command(str(path))

    means.refresh_from_db()
    assert "updated 1" in output
    assert "yhteiseen sävyyn" in means.text
    assert Goal.objects.get(number=1).id == goal_id
    assert Means.objects.count() == 21


def test_load_strategy__records_the_change_in_the_audit_log(tmp_path: Path):
    run_command()
    path = tmp_path / "fixed.toml"
    path.write_text(
        DEFAULT_STRATEGY_FILE.read_text(encoding="utf-8").replace(
            "Asiakasmäärämme on kasvanut.", "Asiakasmäärämme on kasvanut selvästi."
        ),
        encoding="utf-8",
    )

    run_command(str(path))

    outcome = Outcome.objects.get(goal__number=1, position=4)
    entry = LogEntry.objects.get_for_object(outcome).latest("timestamp")
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.changes_dict["text_fi"] == [
        "Asiakasmäärämme on kasvanut.",
        "Asiakasmäärämme on kasvanut selvästi.",
    ]


def test_load_strategy__removed_means_are_removed():
    data = seed_data()
    strategy_load(data=data)
    del data["goals"][1]["means"][-1]

    _, report = strategy_load(data=data)

    assert report.deleted["means"] == 1
    assert Means.objects.filter(goal__number=2).count() == 5


def test_load_strategy__keeps_an_archived_strategy_archived():
    run_command()
    Strategy.objects.update(status=Strategy.Status.ARCHIVED)

    run_command()

    assert Strategy.objects.get().status == Strategy.Status.ARCHIVED


def test_load_strategy__loads_as_draft_when_another_strategy_is_active():
    StrategyFactory(status=Strategy.Status.ACTIVE)

    run_command()

    assert Strategy.objects.get(slug="2023-2025").status == Strategy.Status.DRAFT


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("strategy"), "no [strategy] table"),
        (lambda d: d["strategy"].pop("name"), "'name' is missing"),
        (lambda d: d["strategy"].update(start_year="2023"), "must be a whole number"),
        (lambda d: d["strategy"].update(end_year=2020), "end_year is before start_year"),
        (lambda d: d["values"][0].update(phenomenon_fields=[]), "unknown keys phenomenon_fields"),
        (lambda d: d["goals"][0].update(means="yksi keino"), "list of non-empty texts"),
        (lambda d: d["goals"][1].update(number=1), "same number"),
        (lambda d: d.update(goals=[]), "non-empty list"),
    ],
)
def test_load_strategy__refuses_malformed_data_and_changes_nothing(mutate, message):
    data = seed_data()
    mutate(data)

    with pytest.raises(StrategyDataError, match=re.escape(message)):
        strategy_load(data=data)

    assert Strategy.objects.count() == 0
    assert Goal.objects.count() == 0


def test_load_strategy__reports_an_invalid_file_as_a_command_error(tmp_path: Path):
    path = tmp_path / "broken.toml"
    path.write_text("[strategy\nname = ", encoding="utf-8")

    with pytest.raises(CommandError, match="not valid TOML"):
        run_command(str(path))


def test_load_strategy__reports_a_missing_file_as_a_command_error(tmp_path: Path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_command(str(tmp_path / "missing.toml"))

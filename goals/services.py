"""Writes to the strategy content."""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User as AuthUser
from django.db import models, transaction

from goals.models import (
    Goal,
    InequalityTheme,
    Means,
    MeansNote,
    Outcome,
    PhenomenonField,
    PhenomenonSource,
    Strategy,
    Value,
)

STRATEGY_DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_STRATEGY_FILE = STRATEGY_DATA_DIR / "strategy-2023-2025.toml"


class StrategyDataError(ValueError):
    """The strategy data file is missing something or has a value of the wrong kind."""


@dataclass
class LoadReport:
    """How many rows a load created, updated, left unchanged and removed, per model."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def _text(data: Mapping[str, Any], key: str, *, where: str, required: bool = True) -> str:
    value = data.get(key, "")
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise StrategyDataError(f"{where}: every item of '{key}' must be text.")
        value = "\n\n".join(item.strip() for item in value)
    if not isinstance(value, str):
        raise StrategyDataError(f"{where}: '{key}' must be text.")
    if required and not value.strip():
        raise StrategyDataError(f"{where}: '{key}' is missing.")
    return value.strip()


def _texts(data: Mapping[str, Any], key: str, *, where: str) -> list[str]:
    if key not in data:
        raise StrategyDataError(f"{where}: '{key}' is missing.")
    value = data[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise StrategyDataError(f"{where}: '{key}' must be a list of non-empty texts.")
    return [v.strip() for v in value]


def _check_keys(data: object, allowed: set[str], *, where: str) -> Mapping[str, Any]:
    """A table of the data file, refusing keys the loader does not know (likely misplaced)."""
    if not isinstance(data, Mapping):
        raise StrategyDataError(f"{where} must be a table.")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise StrategyDataError(f"{where}: unknown keys {', '.join(unknown)}.")
    return data


STRATEGY_KEYS = {
    "slug",
    "name",
    "start_year",
    "end_year",
    "status",
    "subtitle",
    "story_title",
    "story",
    "mission_title",
    "mission",
    "vision_title",
    "vision",
    "closing_line",
    "phenomenon_fields",
    "phenomenon_sources",
    "inequality_themes",
}
VALUE_KEYS = {"name", "description"}
GOAL_KEYS = {"number", "title", "focus_area", "description", "means", "outcomes", "metrics_note"}


def _int(data: Mapping[str, Any], key: str, *, where: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise StrategyDataError(f"{where}: '{key}' must be a whole number.")
    return value


def _upsert[M: models.Model](
    model: type[M], report: LoadReport, lookup: dict[str, Any], values: dict[str, Any]
) -> M:
    """Create the row, or update only the fields that differ, so a re-run writes nothing."""
    label = model._meta.model_name or model.__name__
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        report.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save(update_fields=[*changed, "updated_at"])
        report.updated[label] += 1
    else:
        report.unchanged[label] += 1
    return obj


def _sync_positions[M: models.Model](
    model: type[M],
    report: LoadReport,
    parent: dict[str, Any],
    items: Sequence[dict[str, Any]],
) -> list[M]:
    """Upsert items keyed by their 1-based position; remove rows past the last position."""
    objects = [
        _upsert(model, report, {**parent, "position": position}, values)
        for position, values in enumerate(items, start=1)
    ]
    stale = model._default_manager.filter(**parent, position__gt=len(items))
    removed = stale.count()
    if removed:
        stale.delete()
        report.deleted[model._meta.model_name or model.__name__] += removed
    return objects


@transaction.atomic
def strategy_load(*, data: Mapping[str, Any]) -> tuple[Strategy, LoadReport]:
    """Load a strategy and all its parts from parsed data, updating rows in place.

    Rows are matched by natural keys (the strategy's slug, goal numbers and positions), so ids
    survive a re-load and a corrected text updates the existing row. The Finnish columns are
    written; Swedish and English translations made in the app are left alone.
    """
    report = LoadReport()
    _check_keys(data, {"strategy", "values", "goals"}, where="The file")
    if "strategy" not in data:
        raise StrategyDataError("The data has no [strategy] table.")
    where = "strategy"
    info = _check_keys(data["strategy"], STRATEGY_KEYS, where=where)
    slug = _text(info, "slug", where=where)
    start_year = _int(info, "start_year", where=where)
    end_year = _int(info, "end_year", where=where)
    if end_year < start_year:
        raise StrategyDataError("strategy: end_year is before start_year.")
    strategy_values: dict[str, Any] = {
        "name_fi": _text(info, "name", where=where),
        "start_year": start_year,
        "end_year": end_year,
        "subtitle_fi": _text(info, "subtitle", where=where, required=False),
        "story_title_fi": _text(info, "story_title", where=where, required=False),
        "story_fi": _text(info, "story", where=where, required=False),
        "mission_title_fi": _text(info, "mission_title", where=where, required=False),
        "mission_fi": _text(info, "mission", where=where, required=False),
        "vision_title_fi": _text(info, "vision_title", where=where, required=False),
        "vision_fi": _text(info, "vision", where=where, required=False),
        "closing_line_fi": _text(info, "closing_line", where=where, required=False),
    }

    existing = Strategy.objects.filter(slug=slug).first()
    if existing is None:
        status = info.get("status", Strategy.Status.DRAFT)
        if status not in Strategy.Status.values:
            raise StrategyDataError(f"strategy: unknown status {status!r}.")
        if (
            status == Strategy.Status.ACTIVE
            and Strategy.objects.filter(status=Strategy.Status.ACTIVE).exists()
        ):
            # Another strategy is active: load this one as a draft for an admin to activate.
            status = Strategy.Status.DRAFT
        strategy_values["status"] = status
    strategy = _upsert(Strategy, report, {"slug": slug}, strategy_values)
    owner = {"strategy": strategy}

    values = data.get("values", [])
    if not isinstance(values, list):
        raise StrategyDataError("'values' must be a list of tables.")
    _sync_positions(
        Value,
        report,
        owner,
        [
            {
                "name_fi": _text(v, "name", where=f"value {i}"),
                "description_fi": _text(v, "description", where=f"value {i}"),
            }
            for i, v in enumerate(
                (_check_keys(v, VALUE_KEYS, where="a value") for v in values), start=1
            )
        ],
    )
    _sync_positions(
        PhenomenonField,
        report,
        owner,
        [{"name_fi": n} for n in _texts(info, "phenomenon_fields", where="strategy")],
    )
    _sync_positions(
        PhenomenonSource,
        report,
        owner,
        [{"citation": c} for c in _texts(info, "phenomenon_sources", where="strategy")],
    )
    _sync_positions(
        InequalityTheme,
        report,
        owner,
        [{"name_fi": n} for n in _texts(info, "inequality_themes", where="strategy")],
    )

    goals = data.get("goals", [])
    if not isinstance(goals, list) or not goals:
        raise StrategyDataError("'goals' must be a non-empty list of tables.")
    numbers = []
    for goal_data in goals:
        goal_data = _check_keys(goal_data, GOAL_KEYS, where="a goal")
        where = f"goal {goal_data.get('number', '?')}"
        number = _int(goal_data, "number", where=where)
        numbers.append(number)
        goal = _upsert(
            Goal,
            report,
            {"strategy": strategy, "number": number},
            {
                "title_fi": _text(goal_data, "title", where=where),
                "focus_area_fi": _text(goal_data, "focus_area", where=where),
                "description_fi": _text(goal_data, "description", where=where),
                "metrics_note_fi": _text(goal_data, "metrics_note", where=where, required=False),
            },
        )
        _sync_positions(
            Means,
            report,
            {"goal": goal},
            [{"text_fi": t} for t in _texts(goal_data, "means", where=where)],
        )
        _sync_positions(
            Outcome,
            report,
            {"goal": goal},
            [{"text_fi": t} for t in _texts(goal_data, "outcomes", where=where)],
        )
    if len(set(numbers)) != len(numbers):
        raise StrategyDataError("Two goals have the same number.")
    stale_goals = Goal.objects.filter(strategy=strategy).exclude(number__in=numbers)
    removed = stale_goals.count()
    if removed:
        stale_goals.delete()
        report.deleted["goal"] += removed
    return strategy, report


def strategy_load_file(*, path: Path) -> tuple[Strategy, LoadReport]:
    """Parse a TOML strategy file and load it."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise StrategyDataError(f"Cannot read {path}: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StrategyDataError(f"{path} is not valid TOML: {exc}") from exc
    return strategy_load(data=data)


@transaction.atomic
def means_note_add(*, means: Means, author: AuthUser, text: str, status: str) -> MeansNote:
    """Write a progress note; the status it reports becomes the means' status.

    The means row is locked, so two notes written at once leave the status of the later one.
    """
    means = Means.objects.select_for_update().get(pk=means.pk)
    note = MeansNote(means=means, author=author, text=text, status=status)
    note.full_clean()
    note.save()
    if means.status != status:
        means.status = status
        means.save(update_fields=["status", "updated_at"])
    return note


@transaction.atomic
def means_update(*, means: Means, owner: AuthUser | None, status: str) -> Means:
    """Set who owns a means and where it stands (leadership and admins)."""
    means = Means.objects.select_for_update().get(pk=means.pk)
    means.owner = owner
    means.status = status
    means.full_clean()
    means.save(update_fields=["owner", "status", "updated_at"])
    return means

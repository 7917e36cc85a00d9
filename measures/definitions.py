"""What a metric version counts, stored as JSON in MetricVersion.definition.

An activity metric aggregates activities (or signals) matching its filters; a ratio divides one
metric by another. The JSON holds ids, so a version stays readable as it was saved even if the
admin later renames a theme or a unit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from neighbourhoods.models import AGE_BANDS, Activity, Partner


class Aggregation(models.TextChoices):
    ACTIVITIES = "activities", _("Number of activities")
    PARTICIPANTS = "participants", _("Participants")
    NEW_PARTICIPANTS = "new_participants", _("New participants")
    VOLUNTEERS = "volunteers", _("Volunteers")
    VOLUNTEER_HOURS = "volunteer_hours", _("Volunteer hours")
    AREAS = "areas", _("Distinct areas reached")
    PARTNERS = "partners", _("Distinct partners")
    SIGNALS = "signals", _("Number of signals")


# Filters that apply to signals; the others describe activities only.
SIGNAL_FILTERS = frozenset({"themes", "units", "areas"})

ID_FILTERS = ("types", "themes", "goals", "means", "units", "projects", "areas")


class DefinitionError(ValueError):
    """A stored definition that cannot be read."""


@dataclass(frozen=True)
class ActivityDefinition:
    """An aggregation over the activities (or signals) that match every given filter.

    An empty filter matches everything. ``areas`` holds basic districts or sub-districts; a
    basic district includes its sub-districts. ``age_bands`` narrows the participants to some
    bands; empty means all of them.
    """

    aggregation: str
    age_bands: tuple[str, ...] = ()
    types: tuple[int, ...] = ()
    themes: tuple[int, ...] = ()
    goals: tuple[int, ...] = ()
    means: tuple[int, ...] = ()
    units: tuple[int, ...] = ()
    projects: tuple[int, ...] = ()
    areas: tuple[int, ...] = ()
    partner_sectors: tuple[str, ...] = ()
    status: str = ""

    @property
    def on_signals(self) -> bool:
        return self.aggregation == Aggregation.SIGNALS

    def used_filters(self) -> set[str]:
        names = {*ID_FILTERS, "partner_sectors", "status"}
        return {name for name in names if getattr(self, name)}

    def to_json(self) -> dict[str, Any]:
        return {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in asdict(self).items()
            if value
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActivityDefinition:
        known = {f.name for f in fields(cls)}
        if not isinstance(data, dict) or set(data) - known or "aggregation" not in data:
            raise DefinitionError(f"Not an activity metric definition: {data!r}")
        if data["aggregation"] not in Aggregation.values:
            raise DefinitionError(f"Unknown aggregation: {data['aggregation']!r}")
        values: dict[str, Any] = {"aggregation": data["aggregation"]}
        try:
            for name in ID_FILTERS:
                values[name] = tuple(sorted(int(item) for item in data.get(name, ())))
        except (TypeError, ValueError) as exc:
            raise DefinitionError(f"Ids must be whole numbers: {data!r}") from exc
        values["age_bands"] = tuple(b for b in AGE_BANDS if b in data.get("age_bands", ()))
        sectors = data.get("partner_sectors", ())
        values["partner_sectors"] = tuple(s for s in Partner.Sector.values if s in sectors)
        status = data.get("status", "")
        if status and status not in Activity.Status.values:
            raise DefinitionError(f"Unknown status: {status!r}")
        values["status"] = status
        return cls(**values)


@dataclass(frozen=True)
class RatioDefinition:
    """The values of one metric divided by those of another, period by period; or, with
    ``per_residents``, by the residents of the areas the numerator counts in, per 1,000
    (see residents.py), and then there is no denominator metric (0)."""

    numerator: int
    denominator: int
    percent: bool = field(default=False)
    per_residents: bool = field(default=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if not self.per_residents:  # as saved before there was such a choice
            del data["per_residents"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RatioDefinition:
        try:
            per_residents = bool(data.get("per_residents", False))
            return cls(
                numerator=int(data["numerator"]),
                denominator=int(data.get("denominator") or 0)
                if per_residents
                else int(data["denominator"]),
                percent=bool(data.get("percent", False)) and not per_residents,
                per_residents=per_residents,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DefinitionError(f"Not a ratio definition: {data!r}") from exc

    @property
    def scale(self) -> int:
        return 1000 if self.per_residents else 100 if self.percent else 1

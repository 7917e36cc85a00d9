"""What a dashboard shows: a strategy, a range of years or quarters and an area.

The filter is a plain GET form, so a link or a reload shows the same view; HTMX only swaps the
page's content and pushes the URL. An unreadable value is reported on the form and the default
is used instead, so a hand-edited link never fails.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django import forms
from django.db.models import Case, F, When
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from goals.models import Strategy
from kalliola.dates import first_accepted_date
from neighbourhoods.models import Area

QUARTERS = (1, 2, 3, 4)


def range_start(value: str) -> datetime.date:
    """The first day of "2025" or "2025-Q3"."""
    year, _dash, quarter = value.partition("-Q")
    return datetime.date(int(year), (int(quarter or 1) - 1) * 3 + 1, 1)


def range_end(value: str) -> datetime.date:
    """The last day of "2025" or "2025-Q3"."""
    year, _dash, quarter = value.partition("-Q")
    if not quarter:
        return datetime.date(int(year), 12, 31)
    next_start = datetime.date(int(year) + int(quarter) // 4, int(quarter) % 4 * 3 + 1, 1)
    return next_start - datetime.timedelta(days=1)


def range_label(value: str) -> str:
    """ "2025" or "2025 Q3", as periods are named elsewhere."""
    return value.replace("-", " ")


def range_choices(first_year: int, last_year: int) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each year and its quarters, grouped by year, newest first."""
    return [
        (
            str(year),
            [(str(year), str(year))] + [(f"{year}-Q{q}", f"{year} Q{q}") for q in QUARTERS],
        )
        for year in range(last_year, first_year - 1, -1)
    ]


@dataclass(frozen=True)
class DashboardFilter:
    """The view asked for, always complete: defaults fill what the request left out."""

    strategy: Strategy | None
    start: str  # "2025" or "2025-Q3"
    end: str
    area: Area | None
    # The areas the form offered, by id: pages name the areas of their tables from these.
    areas: Mapping[int, Area] = field(default_factory=dict, repr=False, compare=False)

    @property
    def first_day(self) -> datetime.date:
        return range_start(self.start)

    @property
    def last_day(self) -> datetime.date:
        return range_end(self.end)

    def covers(self, start: datetime.date, end: datetime.date) -> bool:
        """Whether a period from start to end overlaps the range."""
        return end >= self.first_day and start <= self.last_day

    def as_of(self, today: datetime.date) -> datetime.date:
        """The day the status is judged on: today, or the day after the range if it ended."""
        return min(today, self.last_day + datetime.timedelta(days=1))

    @property
    def query(self) -> str:
        """The filter as a query string, for links that keep it."""
        params = {"start": self.start, "end": self.end}
        if self.strategy is not None:
            params = {"strategy": self.strategy.slug} | params
        if self.area is not None:
            params["area"] = str(self.area.pk)
        return urlencode(params)

    def describe(self) -> str:
        """In words, for the printed header: e.g. "Mellunkylä · 2025 – 2025"."""
        span = range_label(self.start)
        if self.end != self.start:
            span = f"{span} – {range_label(self.end)}"
        place = self.area.name if self.area else gettext("All areas")
        return f"{place} · {span}"


def area_label(area: Area) -> str:
    """A basic district by its name; a sub-district under it, indented."""
    return area.name if area.level == Area.Level.BASIC_DISTRICT else f"\u2003{area.name}"


class DashboardFilterForm(forms.Form):
    """Choices come from the lists given, read once per request for both the form as asked and
    the form as shown."""

    strategy = forms.ChoiceField(label=_("Strategy"), required=False)
    start = forms.ChoiceField(label=_("From"), required=False)
    end = forms.ChoiceField(label=_("To"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)

    def __init__(
        self,
        data: object = None,
        *,
        today: datetime.date,
        strategies: list[Strategy],
        areas: list[Area],
        initial: dict[str, object] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)  # type: ignore[arg-type]
        self.today = today
        self.strategies = {s.slug: s for s in strategies}
        self.areas = {str(a.pk): a for a in areas}
        first = min([s.start_year for s in strategies] + [today.year])
        first = max(first, first_accepted_date().year)
        last = max([s.end_year for s in strategies] + [today.year])
        choices = range_choices(first, last)
        self.fields["start"].choices = choices  # type: ignore[attr-defined]
        self.fields["end"].choices = choices  # type: ignore[attr-defined]
        self.fields["strategy"].choices = [(s.slug, str(s)) for s in strategies]  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("All areas"))] + [  # type: ignore[attr-defined]
            (str(a.pk), area_label(a)) for a in areas
        ]

    @staticmethod
    def lists() -> tuple[list[Strategy], list[Area]]:
        """The strategies (not drafts) and the areas (basic districts, each followed by its
        sub-districts) the filter offers."""
        strategies = Strategy.objects.exclude(status=Strategy.Status.DRAFT)
        areas = Area.objects.filter(level__in=[Area.Level.BASIC_DISTRICT, Area.Level.SUB_DISTRICT])
        district = Case(
            When(level=Area.Level.SUB_DISTRICT, then=F("parent__name")), default=F("name")
        )
        areas = areas.order_by(district, "level", "name")
        return list(strategies.order_by("-start_year")), list(areas)

    def default_strategy(self) -> Strategy | None:
        listed = list(self.strategies.values())
        active = [s for s in listed if s.status == Strategy.Status.ACTIVE]
        return next(iter(active or listed), None)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and range_start(str(start)) > range_end(str(end)):
            self.add_error("end", _("The end of the range is before its start."))
        return cleaned

    def result(
        self, default: Strategy | None = None, years: tuple[int, int] | None = None
    ) -> DashboardFilter:
        """The filter asked for; what could not be read is left at its default: the strategy
        given, or the active one; the years given, or the strategy's years up to this one."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        strategy = self.strategies.get(data.get("strategy") or "")
        strategy = strategy or default or self.default_strategy()
        default_start = str(strategy.start_year) if strategy else str(self.today.year)
        default_end = str(max(strategy.end_year, self.today.year)) if strategy else default_start
        start, end = data.get("start") or default_start, data.get("end") or default_end
        if years is not None:
            default_start, default_end = str(years[0]), str(years[1])
            start, end = data.get("start") or default_start, data.get("end") or default_end
        if self.has_error("end"):
            start, end = default_start, default_end
        known = {area.pk: area for area in self.areas.values()}
        return DashboardFilter(strategy, start, end, self.areas.get(data.get("area") or ""), known)

    @classmethod
    def pair(
        cls,
        data: object,
        today: datetime.date,
        default: Strategy | None = None,
        years: tuple[int, int] | None = None,
    ) -> tuple[DashboardFilter, DashboardFilterForm, DashboardFilterForm]:
        """The filter asked for, the form as shown (with the filter in effect, defaults
        included) and the form as asked (with the errors of what could not be read)."""
        strategies, areas = cls.lists()
        asked = cls(data, today=today, strategies=strategies, areas=areas)
        selected = asked.result(default, years)
        initial: dict[str, object] = {
            "strategy": selected.strategy.slug if selected.strategy else "",
            "start": selected.start,
            "end": selected.end,
            "area": str(selected.area.pk) if selected.area else "",
        }
        shown = cls(today=today, strategies=strategies, areas=areas, initial=initial)
        return selected, shown, asked

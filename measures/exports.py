"""A metric's stored values as a workbook: periods down, areas across, with the version that
produced them. Written from stored values only, like the pages."""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import IO

from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from measures.models import Metric, MetricValue, MetricVersion
from measures.periods import period_end, period_label
from measures.status import Window, without_early_values
from neighbourhoods.models import Area

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(metric: Metric, version: MetricVersion, today: datetime.date) -> str:
    name = slugify(metric.display_name)[:60] or "metric"
    return f"{name}-v{version.number}-{today.isoformat()}.xlsx"


def values_write(
    metric: Metric, version: MetricVersion, window: Window, today: datetime.date, file: IO[bytes]
) -> None:
    """One row per period (oldest first), a column for all areas and one per area that has a
    value; a period before the data began is empty, an area's missing value of a metric on the
    log is 0 (the engine stores areas' non-zero values only)."""
    stored = MetricValue.objects.filter(version=version).values_list(
        "period_start", "area", "value"
    )
    by_area: dict[int | None, dict[datetime.date, Decimal | None]] = defaultdict(dict)
    for start, area_id, value in stored.order_by("period_start"):
        by_area[area_id][start] = value
    all_areas = without_early_values(sorted(by_area[None].items()), version.period, window)
    areas = list(
        Area.objects.filter(pk__in=[pk for pk in by_area if pk is not None]).order_by(
            "level", "name"
        )
    )
    zero = Decimal(0) if metric.kind == Metric.Kind.ACTIVITY else None

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Values")[:31])
    bold = Font(bold=True)

    def heading(text: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        return cell

    created = formats.date_format(version.created_at, "SHORT_DATETIME_FORMAT")
    sheet.append([heading(metric.display_name)])
    sheet.append([_("Unit of measure"), metric.unit])
    sheet.append([_("Version"), version.number, _("saved %(created)s") % {"created": created}])
    sheet.append([_("Period"), str(version.get_period_display())])
    sheet.append([])
    sheet.append(
        [heading(_("Period")), heading(_("Complete")), heading(_("All areas"))]
        + [heading(area.name) for area in areas]
    )
    sheet.freeze_panes = "D7"
    for start, value in all_areas:
        row: list[object] = [
            period_label(start, version.period),
            _("yes") if period_end(start, version.period) < today else _("no"),
            value,
        ]
        for area in areas:
            row.append(None if value is None else by_area[area.pk].get(start, zero))
        sheet.append(row)
    workbook.save(file)

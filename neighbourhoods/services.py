"""Writes to the activity log."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from neighbourhoods import imports, rules
from neighbourhoods import signals as bulk_signals
from neighbourhoods.closing import ClosedPeriods, ensure_open, refusal
from neighbourhoods.models import Activity, ImportBatch, ImportFile, Signal

# The many-to-many fields of an activity; everything else in the data is a plain field.
ACTIVITY_M2M_FIELDS = ("partners", "themes", "goals", "means", "organisers")


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    theirs: str
    yours: str


class ActivityConflict(Exception):
    """Someone saved the activity after this edit began; nothing was written."""

    def __init__(self, current: Activity, changes: list[FieldChange]) -> None:
        super().__init__("The activity was changed meanwhile.")
        self.current = current
        self.changes = changes


def _display(value: Any) -> str:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return ", ".join(sorted(str(item) for item in value))
    return "" if value is None else str(value)


def _values(activity: Activity, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        if name in ACTIVITY_M2M_FIELDS:
            values[name] = set(getattr(activity, name).all())
        else:
            values[name] = getattr(activity, name)
    return values


def _apply(activity: Activity, data: Mapping[str, Any]) -> None:
    """Check the data by the rules of every activity (rules.py) and save it."""
    stored_date = activity.date if activity.pk else None
    for name, value in data.items():
        if name not in ACTIVITY_M2M_FIELDS:
            setattr(activity, name, value)
    values = {
        field.name: getattr(activity, field.name)
        for field in Activity._meta.concrete_fields
        if not field.generated
    }
    rules.raise_problems(
        rules.activity_problems(
            values | dict(data), closed=ClosedPeriods.load(), stored_date=stored_date
        )
    )
    activity.full_clean(exclude=["created_by"], validate_unique=False)
    activity.save()
    for name in ACTIVITY_M2M_FIELDS:
        if name in data:
            getattr(activity, name).set(data[name])


@transaction.atomic
def activity_create(*, user: User, data: Mapping[str, Any]) -> Activity:
    """Log a new activity from validated data (a form's cleaned_data)."""
    activity = Activity(created_by=user)
    _apply(activity, data)
    if "organisers" not in data:
        activity.organisers.set([user])
    return activity


@transaction.atomic
def activity_update(
    *, activity_id: int, data: Mapping[str, Any], expected_version: int
) -> Activity:
    """Save an edit, unless someone else saved the activity since the edit began.

    The row is locked while it is compared and written, so two simultaneous saves cannot
    both pass the check. On a conflict nothing is written and the caller learns what the
    other person changed.
    """
    activity = Activity.objects.select_for_update().get(pk=activity_id)
    if activity.version != expected_version:
        raise ActivityConflict(activity, _changed_meanwhile(activity, data))
    activity.version += 1
    _apply(activity, data)
    return activity


def _changed_meanwhile(current: Activity, attempted: Mapping[str, Any]) -> list[FieldChange]:
    """The fields where the version saved meanwhile differs from the one being saved."""
    saved = _values(current, attempted)
    changes = []
    for name, yours in attempted.items():
        theirs = saved[name]
        comparable = set(yours) if name in ACTIVITY_M2M_FIELDS else yours
        if theirs != comparable:
            field = Activity._meta.get_field(name)
            label = str(getattr(field, "verbose_name", name))
            changes.append(FieldChange(name, label, _display(theirs), _display(yours)))
    return changes


@transaction.atomic
def activity_delete(*, activity: Activity) -> None:
    """Delete an activity, unless its date is in a closed period (PeriodClosed)."""
    stored = Activity.objects.select_for_update().get(pk=activity.pk)
    ensure_open(stored.date)
    stored.delete()


@transaction.atomic
def signal_create(*, user: User, data: Mapping[str, Any]) -> Signal:
    """Log a new signal from validated data (a form's cleaned_data)."""
    signal = Signal(created_by=user)
    return _save_signal(signal, data)


@transaction.atomic
def signal_update(*, signal: Signal, data: Mapping[str, Any]) -> Signal:
    return _save_signal(signal, data)


def _save_signal(signal: Signal, data: Mapping[str, Any]) -> Signal:
    stored_date = Signal.objects.get(pk=signal.pk).date if signal.pk else None
    for name, value in data.items():
        if name != "themes":
            setattr(signal, name, value)
    rules.raise_problems(
        rules.signal_problems(
            {"date": signal.date}, closed=ClosedPeriods.load(), stored_date=stored_date
        )
    )
    signal.full_clean(exclude=["created_by"], validate_unique=False)
    signal.save()
    if "themes" in data:
        signal.themes.set(data["themes"])
    return signal


@transaction.atomic
def signal_delete(*, signal: Signal) -> None:
    """Delete a signal, unless its date is in a closed period (PeriodClosed)."""
    stored = Signal.objects.select_for_update().get(pk=signal.pk)
    ensure_open(stored.date)
    stored.delete()


# --- Imports (see imports.py) ---------------------------------------------------------------


def _progress_key(batch_id: int) -> str:
    return f"neighbourhoods:import-progress:{batch_id}"


def import_progress(batch: ImportBatch) -> int:
    """How many rows of a running check or import are done: the worker keeps it in the cache,
    since the import's own transaction shows nothing until it commits."""
    return int(cache.get(_progress_key(batch.pk), batch.rows_done))


def _report_progress(batch: ImportBatch, rows_done: int) -> None:
    cache.set(_progress_key(batch.pk), rows_done, timeout=3600)


def import_start(*, user: User, file_name: str, content: bytes, language: str) -> ImportBatch:
    """Keep an uploaded file as a new batch, waiting to be checked; nothing else is written."""
    batch = ImportBatch.objects.create(
        created_by=user,
        file_name=file_name[:255],
        checksum=hashlib.sha256(content).hexdigest(),
        language=language,
        rows=max(imports.estimated_rows(content, file_name) - 1, 0),
    )
    ImportFile.objects.create(batch=batch, content=content)
    return batch


def import_runs_inline(batch: ImportBatch) -> bool:
    """A small file is checked and imported while the browser waits; a larger one by a worker."""
    return batch.rows <= settings.IMPORT_INLINE_ROWS


class _Refused(Exception):
    def __init__(self, rows: int, errors: list[dict[str, Any]], count: int) -> None:
        super().__init__("The file has errors.")
        self.rows, self.errors, self.count = rows, errors, count


@dataclass
class _Pass:
    """One reading of a batch's file: every row checked, its keys compared with the rows of
    the file before it and with the activities imported earlier."""

    batch: ImportBatch
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    duplicate_count: int = 0
    rows: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    def chunks(self) -> Iterator[list[imports.Row]]:
        """The rows to import, in chunks, each without its duplicates."""
        reader = imports.Reader(self.batch.created_by)
        file = ImportFile.objects.filter(batch=self.batch).first()
        if file is None:
            raise imports.FileProblem(_("The file is no longer kept: upload it again."))
        rows = imports.read_rows(bytes(file.content), self.batch.file_name)
        header = next(rows, None)
        if header is None:
            raise imports.FileProblem(_("The file has no rows."))
        reader.read_header(header[1])
        chunk: list[imports.Row] = []
        for number, cells in rows:
            self.rows += 1
            row = reader.read(number, cells)
            self._note(row)
            if not row.errors and row.key not in self.seen:
                self.seen[row.key] = number
                chunk.append(row)
            elif not row.errors:
                self._duplicate(
                    row, _("Repeats row %(row)s of this file.") % {"row": self.seen[row.key]}
                )
            if len(chunk) >= imports.CHUNK_ROWS:
                yield self._new(chunk)
                chunk = []
                _report_progress(self.batch, self.rows)
        if chunk:
            yield self._new(chunk)
        if not self.rows:
            raise imports.FileProblem(_("The file has no activities, only the heading row."))
        _report_progress(self.batch, self.rows)

    def _note(self, row: imports.Row) -> None:
        self.error_count += len(row.errors)
        for column, message in row.errors:
            if len(self.errors) < imports.SHOWN_PROBLEMS:
                self.errors.append({"row": row.number, "column": column, "message": message})

    def _duplicate(self, row: imports.Row, message: str) -> None:
        self.duplicate_count += 1
        if len(self.duplicates) < imports.SHOWN_PROBLEMS:
            self.duplicates.append({"row": row.number, "message": message})

    def _new(self, chunk: list[imports.Row]) -> list[imports.Row]:
        """The rows of the chunk not imported before (one query per chunk)."""
        earlier = {
            key: (file_name, when)
            for key, file_name, when in Activity.objects.filter(
                import_key__in=[row.key for row in chunk]
            ).values_list("import_key", "import_batch__file_name", "import_batch__imported_at")
        }
        for row in chunk:
            if row.key in earlier:
                file_name, when = earlier[row.key]
                self._duplicate(
                    row,
                    _("Imported already, from %(file)s on %(date)s.")
                    % {
                        "file": file_name,
                        "date": formats.date_format(timezone.localtime(when), "SHORT_DATE_FORMAT")
                        if when
                        else "–",
                    },
                )
        return [row for row in chunk if row.key not in earlier]


# The states after which a batch's file is not read again, and is deleted (see ImportFile).
FINISHED = {ImportBatch.Status.INVALID, ImportBatch.Status.DONE, ImportBatch.Status.FAILED}


def _set_status(batch: ImportBatch, status: str, **fields: Any) -> None:
    if status in FINISHED:
        ImportFile.objects.filter(batch=batch).delete()
    for name, value in fields.items():
        setattr(batch, name, value)
    batch.status = status
    batch.save(update_fields=["status", "updated_at", *fields])


def import_check(batch_id: int) -> ImportBatch:
    """Read and check a queued batch's file, writing nothing but the batch's findings: it is
    then ready to import, or has errors to fix (by row and column), or cannot be read."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status != ImportBatch.Status.QUEUED:
        return batch
    _set_status(batch, ImportBatch.Status.CHECKING)
    check = _Pass(batch)
    with translation.override(batch.language):
        try:
            ready = sum(len(chunk) for chunk in check.chunks())
        except imports.FileProblem as exc:
            _set_status(batch, ImportBatch.Status.INVALID, problem=str(exc))
            return batch
    _set_status(
        batch,
        ImportBatch.Status.INVALID if check.error_count else ImportBatch.Status.READY,
        rows=check.rows,
        rows_done=check.rows,
        ready_rows=ready,
        duplicate_rows=check.duplicate_count,
        error_count=check.error_count,
        errors=check.errors,
        duplicates=check.duplicates,
    )
    return batch


def _bulk_insert(batch: ImportBatch, rows: list[imports.Row]) -> list[Activity]:
    created = Activity.objects.bulk_create(
        [
            imports.build(row.values, user=batch.created_by, batch_id=batch.pk, key=row.key)
            for row in rows
        ]
    )
    for name in ACTIVITY_M2M_FIELDS:
        relation = getattr(Activity, name)
        through = relation.through
        own, other = relation.field.m2m_field_name(), relation.field.m2m_reverse_field_name()
        through.objects.bulk_create(
            [
                through(**{f"{own}_id": activity.pk, f"{other}_id": linked.pk})
                for activity, row in zip(created, rows, strict=True)
                for linked in row.values[name]
            ]
        )
    return created


def import_claim(batch: ImportBatch) -> bool:
    """Mark a checked batch as being imported, as the user confirms it: its page shows the
    progress (and polls) from then on, also while the import waits for a worker, and a second
    confirmation (a double click, another tab) finds it taken. False if it was not ready."""
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.READY).update(
        status=ImportBatch.Status.IMPORTING, updated_at=timezone.now()
    )
    if claimed:
        batch.status = ImportBatch.Status.IMPORTING
        _report_progress(batch, 0)
    return bool(claimed)


def import_commit(batch_id: int) -> ImportBatch:
    """Import a checked batch as one transaction: every row is checked again as it is written,
    and one error leaves nothing written (the batch then shows the errors). The batch is
    ready, or claimed for the import by the user's confirmation (`import_claim`)."""
    batch = ImportBatch.objects.select_related("created_by").get(pk=batch_id)
    if batch.status == ImportBatch.Status.READY:
        import_claim(batch)
    if batch.status != ImportBatch.Status.IMPORTING:
        return batch
    _report_progress(batch, 0)
    write = _Pass(batch)
    try:
        with translation.override(batch.language), transaction.atomic():
            days: set[Any] = set()
            imported = 0
            for chunk in write.chunks():
                if write.error_count:
                    continue  # read on, to report every error; write nothing more
                imported += len(_bulk_insert(batch, chunk))
                days.update(row.values["date"] for row in chunk)
            if write.error_count:
                raise _Refused(write.rows, write.errors, write.error_count)
            bulk_signals.announce(days)
            _set_status(
                batch,
                ImportBatch.Status.DONE,
                imported=imported,
                imported_at=timezone.now(),
                duplicate_rows=write.duplicate_count,
                duplicates=write.duplicates,
                rows_done=write.rows,
            )
    except _Refused as exc:
        _set_status(
            batch,
            ImportBatch.Status.INVALID,
            errors=exc.errors,
            error_count=exc.count,
            rows_done=exc.rows,
            ready_rows=0,
        )
    except imports.FileProblem as exc:
        _set_status(batch, ImportBatch.Status.INVALID, problem=str(exc))
    return batch


def import_fail(batch_id: int, problem: str) -> None:
    """Note that a check or an import stopped on an error of the app, not of the file."""
    ImportBatch.objects.filter(pk=batch_id).update(
        status=ImportBatch.Status.FAILED, problem=problem, updated_at=timezone.now()
    )
    ImportFile.objects.filter(batch=batch_id).delete()


def import_files_purge() -> int:
    """Delete the files of imports left unfinished for IMPORT_KEEP_DAYS (checked and never
    confirmed, or stopped with a worker): their batches fail with a message saying so. Run
    daily by beat. Returns how many files were deleted."""
    cutoff = timezone.now() - datetime.timedelta(days=settings.IMPORT_KEEP_DAYS)
    stale = ImportBatch.objects.filter(file__isnull=False, updated_at__lt=cutoff)
    batches = list(stale.values_list("pk", "language"))
    for pk, language in batches:
        with translation.override(language):
            import_fail(
                pk,
                _(
                    "The file was not imported within %(days)s days and has been deleted. "
                    "Upload it again."
                )
                % {"days": settings.IMPORT_KEEP_DAYS},
            )
    return len(batches)


def import_undo_refusal(*, user: User, batch: ImportBatch) -> str:
    """Why the user cannot undo the batch now, or "" if they can."""
    if batch.created_by_id != user.pk and not user.has_perm("neighbourhoods.undo_any_import"):
        return _("Only the person who imported the file, or an administrator, can undo it.")
    if batch.status != ImportBatch.Status.DONE:
        return _("Only an import that has been completed can be undone.")
    edited = batch.activities.filter(version__gt=1).count()
    if edited:
        return ngettext(
            "%(count)s of its activities has been edited since the import, so it cannot be "
            "undone as a whole.",
            "%(count)s of its activities have been edited since the import, so it cannot be "
            "undone as a whole.",
            edited,
        ) % {"count": edited}
    closed = ClosedPeriods.load()
    for day in batch.activities.order_by().values_list("date", flat=True).distinct():
        if (period := closed.covering(day)) is not None:
            return refusal(period)
    return ""


@transaction.atomic
def import_undo(*, user: User, batch_id: int) -> ImportBatch:
    """Delete every activity of an import, as one act recorded on the batch."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
    if reason := import_undo_refusal(user=user, batch=batch):
        raise ValidationError(reason, code="undo_refused")
    activities = batch.activities.all()
    days = list(activities.order_by().values_list("date", flat=True).distinct())
    # One record of the undoing (the batch's), not one per activity.
    with bulk_signals.bulk_write(), disable_auditlog():
        activities.delete()
    bulk_signals.announce(days)
    _set_status(batch, ImportBatch.Status.UNDONE, undone_at=timezone.now(), undone_by=user)
    return batch

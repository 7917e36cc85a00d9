"""Celery tasks that check and import large spreadsheets of activities (see services.py)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils.translation import gettext as _

from neighbourhoods import services

logger = logging.getLogger(__name__)


def _run(step: str, batch_id: int) -> None:
    try:
        {"check": services.import_check, "commit": services.import_commit}[step](batch_id)
    except Exception:
        logger.exception("The %s of import %s failed.", step, batch_id)
        services.import_fail(
            batch_id, _("The import stopped on an error of the app; nothing was saved.")
        )
        raise


# Neither task is retried: a batch moves on only from the state the task expects (queued,
# or claimed for the import by the user's confirmation), so a repeated task after a finished
# one does nothing, and a failed one is reported on the batch.
@shared_task(name="neighbourhoods.check_import", max_retries=0)
def check_import(batch_id: int) -> None:
    _run("check", batch_id)


@shared_task(name="neighbourhoods.run_import", max_retries=0)
def run_import(batch_id: int) -> None:
    _run("commit", batch_id)


@shared_task(name="neighbourhoods.purge_import_files", max_retries=0)
def purge_import_files() -> int:
    """Delete the files of imports left unfinished for days (daily, by beat)."""
    return services.import_files_purge()

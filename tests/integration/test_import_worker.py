"""A large spreadsheet checked and imported by a real Celery worker process, through Redis, on
PostgreSQL: the browser's request only uploads the file, the worker checks and imports it, and
the progress it reports is what the web process reads from the shared cache.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kalliola.roles import STAFF
from neighbourhoods import services
from neighbourhoods.models import Activity, Area, ImportBatch
from tests.factories.activity import ActivityTypeFactory
from tests.factories.area import AreaFactory
from tests.factories.unit import UnitFactory
from tests.factories.user import UserFactory
from tests.integration.worker import (
    REDIS_URL,
    project_app_sending_to,
    running_worker,
    skip_unless_worker_can_run,
    wait_until,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROWS = 400


@pytest.fixture(autouse=True)
def worker_can_run() -> None:
    skip_unless_worker_can_run()


@pytest.fixture
def worker(settings) -> Iterator[None]:
    queue = f"imports-{uuid.uuid4().hex[:8]}"
    # Both processes keep the progress in the same Redis, as in production.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.IMPORT_INLINE_ROWS = 0  # every file goes to the worker
    with running_worker(queue), project_app_sending_to(REDIS_URL, queue):
        yield


def spreadsheet(rows: int) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Title", "Date", "Area", "Type", "Strategic goals", "Participants aged 18–29"])
    for number in range(rows):
        day = f"{number % 28 + 1}.{number % 12 + 1}.2024"
        sheet.append([f"Kerho {number}", day, "Kallio", "Kerho", "1", number % 20])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_large_file_is_checked_and_imported_by_the_worker(worker, strategy, client_for):
    AreaFactory.create(name_fi="Kallio", level=Area.Level.BASIC_DISTRICT)
    ActivityTypeFactory.create(name_fi="Kerho")
    coordinator = UserFactory.create(role=STAFF)
    UnitFactory.create().members.add(coordinator)
    client = client_for(coordinator)

    response = client.post(
        reverse("neighbourhoods:activity_import"),
        {"file": SimpleUploadedFile("kerhot.xlsx", spreadsheet(ROWS))},
    )

    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("neighbourhoods:import_batch", args=[batch.pk])
    assert batch.rows == ROWS  # read from the workbook's dimension, for the progress bar

    def status() -> str:
        batch.refresh_from_db()
        return batch.status

    wait_until(lambda: status() == ImportBatch.Status.READY, "the worker has checked the file")
    assert (batch.ready_rows, batch.error_count) == (ROWS, 0)
    assert not Activity.objects.exists()

    client.post(reverse("neighbourhoods:import_batch_confirm", args=[batch.pk]))
    wait_until(lambda: status() == ImportBatch.Status.DONE, "the worker has imported the file")

    assert Activity.objects.filter(import_batch=batch).count() == ROWS
    # What the worker reported is what the page's progress bar reads.
    assert services.import_progress(batch) == ROWS
    page = client.get(reverse("neighbourhoods:import_batch", args=[batch.pk]))
    assert b"import-progress" not in page.content  # finished: no bar, no polling

"""A real Celery worker process for the integration tests, against Redis and the test database.

The worker is a separate process: it shares the test database only when that is PostgreSQL, so
these tests need DATABASE_URL (CI sets it) and a reachable Redis (TEST_REDIS_URL).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection
from kombu import pools

from kalliola.celery import app as project_app

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECT_ROOT = Path(settings.BASE_DIR)


def redis_unreachable() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        return f"Redis is not reachable at {REDIS_URL} ({exc}); set TEST_REDIS_URL"
    return None


def database_url_of_test_database() -> str:
    db = connection.settings_dict
    credentials = db["USER"] or ""
    if db["PASSWORD"]:
        credentials += f":{db['PASSWORD']}"
    host = f"{credentials}@" if credentials else ""
    return f"postgres://{host}{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def skip_unless_worker_can_run() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL, which a worker process can share: set DATABASE_URL")
    if reason := redis_unreachable():
        pytest.skip(reason)


@contextlib.contextmanager
def running_worker(
    queue: str, *, pool: str = "solo", env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[str]]:
    """Start the project's worker on a queue; stop it and show its log after. The solo pool
    runs tasks in the worker's own process; the prefork pool (one child) as in production."""
    skip_unless_worker_can_run()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "integration-test-only",
        "DATABASE_URL": database_url_of_test_database(),
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        **(env or {}),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kalliola",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            f"--queues={queue}",
            f"--hostname={queue}@%h",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        # Its own process group, so that a worker which does not stop is ended with its pool.
        start_new_session=True,
    )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()  # a warm shutdown: the running task may finish
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            # A pool child still busy (a task redelivered after a test killed a child, say)
            # must not keep the worker running into the next test.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            output, _ = worker.communicate(timeout=10)
            output += "\n[the worker did not stop within 20 s of SIGTERM and was killed]"
        # Shown by pytest only when the test fails.
        print(output)


@contextlib.contextmanager
def project_app_sending_to(broker_url: str, queue: str) -> Iterator[None]:
    """Make the project's own Celery app (eager in tests) send to a broker, as in production.

    The app and kombu cache their connection pools; they are dropped on the way in and out so
    that the broker URL set here is the one used.
    """
    conf = project_app.conf
    saved = {
        "task_always_eager": conf.task_always_eager,
        "broker_url": conf.broker_url,
        "task_default_queue": conf.task_default_queue,
    }

    def drop_pool() -> None:
        project_app._pool = None
        project_app.amqp._producer_pool = None
        pools.reset()

    drop_pool()
    conf.update(task_always_eager=False, broker_url=broker_url, task_default_queue=queue)
    try:
        yield
    finally:
        drop_pool()
        conf.update(saved)


def pool_children(pid: int) -> list[int]:
    """The processes whose parent is pid: a prefork worker's pool children."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name, in parentheses, may hold spaces: the fields follow it.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process has ended
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Wait, checking every 0.2 s, until the condition holds; fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting until {what}")

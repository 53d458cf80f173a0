"""The two backends, chosen by POSTGUARD_JOBS_BACKEND (settings.JOBS_BACKEND)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Protocol

from django.conf import settings
from django.utils import timezone


class Backend(Protocol):
    def notify(self, job_id: int, run_after: dt.datetime | None = None) -> None: ...


class EmbeddedBackend:
    """The database is the queue: workers poll it; a notification only wakes local workers."""

    wake = threading.Event()

    def notify(self, job_id: int, run_after: dt.datetime | None = None) -> None:
        self.wake.set()  # a job due later is found by the worker's poll when it falls due


class CeleryBackend:
    def notify(self, job_id: int, run_after: dt.datetime | None = None) -> None:
        """Send the job's id, to be delivered when it falls due.

        Without the eta a worker would receive a job that is not due yet, find nothing to
        claim and drop the message, and the job would wait for the next sweep.
        """
        from postguard.jobs.celery import run_job

        if run_after is not None and run_after > timezone.now():
            run_job.apply_async((job_id,), eta=run_after)
        else:
            run_job.delay(job_id)


def backend() -> Backend:
    if settings.JOBS_BACKEND == "celery":
        return CeleryBackend()
    return EmbeddedBackend()

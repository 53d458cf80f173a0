"""The two backends, chosen by POSTGUARD_JOBS_BACKEND (settings.JOBS_BACKEND)."""

from __future__ import annotations

import threading
from typing import Protocol

from django.conf import settings


class Backend(Protocol):
    def notify(self, job_id: int) -> None: ...


class EmbeddedBackend:
    """The database is the queue: workers poll it; a notification only wakes local workers."""

    wake = threading.Event()

    def notify(self, job_id: int) -> None:
        self.wake.set()


class CeleryBackend:
    def notify(self, job_id: int) -> None:
        from postguard.jobs.celery import run_job

        run_job.delay(job_id)


def backend() -> Backend:
    if settings.JOBS_BACKEND == "celery":
        return CeleryBackend()
    return EmbeddedBackend()

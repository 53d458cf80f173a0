"""Enqueue, claim, run and sweep jobs; the same code under both backends.

A job is claimed by one conditional UPDATE (`... WHERE state='queued' AND run_after <= now`) and
the row count says whether this worker won it, so two workers never run the same attempt. A
worker that dies leaves its lock to expire; the sweep then puts the job back in the queue (the
handlers are written to be safe to run again: they check the state they act on).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Final

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from postguard.jobs.models import Job

logger = logging.getLogger("postguard.jobs")

Handler = Callable[[str], None]
_HANDLERS: dict[str, Handler] = {}

# How long a claim holds before the sweep may hand the job on: settings.JOB_LOCK_SECONDS
# (POSTGUARD_JOB_LOCK_SECONDS); this is its default.
LOCK_SECONDS: Final = 300
RETRY_SECONDS: Final = (10, 60, 300)


class UnknownJobError(LookupError):
    """A job names a handler nobody registered (a programming error, or an older release)."""


def handler(name: str) -> Callable[[Handler], Handler]:
    """Register `function(object_id)` as the handler of jobs called `name`."""

    def register(function: Handler) -> Handler:
        if name in _HANDLERS and _HANDLERS[name] is not function:
            raise ValueError(f"job {name!r} already has a handler: {_HANDLERS[name]!r}")
        _HANDLERS[name] = function
        return function

    return register


_PERIODIC: dict[str, Callable[[], object]] = {}


def periodic(name: str) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a check the sweep runs every time (e.g. expiring stale approvals)."""

    def register(function: Callable[[], object]) -> Callable[[], object]:
        _PERIODIC[name] = function
        return function

    return register


def registered() -> tuple[str, ...]:
    return tuple(sorted(_HANDLERS))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def enqueue(
    name: str,
    object_id: int | str,
    *,
    run_after: dt.datetime | None = None,
    max_attempts: int = 3,
) -> Job:
    """Write the job row in the caller's transaction; tell the backend once it commits.

    If the transaction rolls back, the row and the message both vanish; if the message is lost
    after the commit, the sweep finds the row.
    """
    if name not in _HANDLERS:
        raise UnknownJobError(f"no handler for job {name!r}; known jobs: {', '.join(registered())}")
    job = Job.objects.create(
        name=name,
        object_id=str(object_id),
        run_after=run_after or timezone.now(),
        max_attempts=max_attempts,
    )
    job_id, due = job.pk, job.run_after
    transaction.on_commit(lambda: _notify(job_id, due))
    return job


def _notify(job_id: int, run_after: dt.datetime | None = None) -> None:
    from postguard.jobs.backends import backend

    try:
        backend().notify(job_id, run_after)
    except Exception:
        # The row is committed: the sweep will pick the job up. Never fail the user's request.
        logger.exception("could not hand job %s to the backend; the sweep will retry", job_id)


def lock_seconds_setting() -> int:
    """How long a job claim holds: POSTGUARD_JOB_LOCK_SECONDS (settings.JOB_LOCK_SECONDS)."""
    return int(settings.JOB_LOCK_SECONDS)


def claim(job_id: int, worker: str, *, lock_seconds: int | None = None) -> bool:
    """Take job `job_id` if it is queued and due; True only for the one worker that won it.

    The claim holds `lock_seconds`, by default the POSTGUARD_JOB_LOCK_SECONDS setting.
    """
    if lock_seconds is None:
        lock_seconds = lock_seconds_setting()
    now = timezone.now()
    won = Job.objects.filter(pk=job_id, state=Job.State.QUEUED, run_after__lte=now).update(
        state=Job.State.RUNNING,
        locked_by=worker[:200],
        locked_until=now + dt.timedelta(seconds=lock_seconds),
        attempts=F("attempts") + 1,
    )
    return won == 1


def due_ids(limit: int = 20) -> list[int]:
    return list(
        Job.objects.filter(state=Job.State.QUEUED, run_after__lte=timezone.now())
        .order_by("run_after", "id")
        .values_list("id", flat=True)[:limit]
    )


def claim_next(worker: str, *, lock_seconds: int | None = None) -> int | None:
    """Claim the oldest due job; losing a race on one row just moves on to the next."""
    for job_id in due_ids():
        if claim(job_id, worker, lock_seconds=lock_seconds):
            return job_id
    return None


def execute(job_id: int, worker: str) -> str:
    """Run a job this worker has claimed and record the outcome on the row; returns its state."""
    job = Job.objects.get(pk=job_id)
    if job.state != Job.State.RUNNING or job.locked_by != worker[:200]:
        return str(job.state)
    try:
        function = _HANDLERS.get(job.name)
        if function is None:
            raise UnknownJobError(f"no handler for job {job.name!r}")
        function(job.object_id)
    except Exception as error:
        logger.exception("job %s (%s %s) failed", job.pk, job.name, job.object_id)
        message = f"{type(error).__name__}: {error}"[:2000]
        final = job.attempts >= job.max_attempts or isinstance(error, UnknownJobError)
        delay = RETRY_SECONDS[min(job.attempts, len(RETRY_SECONDS)) - 1]
        Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(
            state=Job.State.FAILED if final else Job.State.QUEUED,
            last_error=message,
            locked_by="",
            locked_until=None,
            run_after=timezone.now() + dt.timedelta(seconds=0 if final else delay),
            finished_at=timezone.now() if final else None,
        )
        return Job.State.FAILED if final else Job.State.QUEUED
    Job.objects.filter(pk=job.pk, locked_by=job.locked_by).update(
        state=Job.State.DONE, locked_by="", locked_until=None, finished_at=timezone.now()
    )
    return Job.State.DONE


def run(job_id: int, worker: str | None = None) -> bool:
    """Claim and run one job (what a Celery task does with the id it carries)."""
    worker = worker or worker_name()
    if not claim(job_id, worker):
        return False
    execute(job_id, worker)
    return True


def run_next(worker: str | None = None) -> int | None:
    """Claim and run the oldest due job; its id, or None when nothing was due."""
    worker = worker or worker_name()
    job_id = claim_next(worker)
    if job_id is not None:
        execute(job_id, worker)
    return job_id


def sweep() -> list[int]:
    """Release expired locks (their worker died) and return the ids of every due queued job.

    The Celery backend re-sends a message for each returned id (a lost message is harmless to
    send twice: only one claim wins).
    """
    now = timezone.now()
    expired = Job.objects.filter(state=Job.State.RUNNING, locked_until__lt=now)
    released = expired.filter(attempts__lt=F("max_attempts")).update(
        state=Job.State.QUEUED, locked_by="", locked_until=None, last_error="lock expired"
    )
    exhausted = expired.update(
        state=Job.State.FAILED,
        locked_by="",
        locked_until=None,
        last_error="lock expired after the last attempt (the worker stopped mid-job)",
        finished_at=now,
    )
    if released or exhausted:
        logger.warning("sweep: %s expired lock(s) re-queued, %s failed", released, exhausted)
    for name, function in _PERIODIC.items():
        try:
            function()
        except Exception:
            logger.exception("periodic check %s failed; it runs again on the next sweep", name)
    return list(
        Job.objects.filter(Q(state=Job.State.QUEUED) & Q(run_after__lte=now)).values_list(
            "id", flat=True
        )
    )

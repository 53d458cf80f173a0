"""The Celery backend: `celery -A postguard.jobs.celery worker` (add `--beat`, or run
`celery -A postguard.jobs.celery beat`, for the periodic sweep). Broker: POSTGUARD_BROKER_URL.

A task carries only a job id and runs the same claim as the embedded worker, so a message sent
twice, or re-sent by the sweep, still runs the job once.
"""

from __future__ import annotations

import os

import django
from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postguard.settings.site")
django.setup()

from django.conf import settings  # noqa: E402 - after django.setup()

from postguard.jobs import runner  # noqa: E402

SWEEP_SECONDS = 30.0

app = Celery("postguard")
app.conf.update(
    broker_url=settings.BROKER_URL,
    # The job table is the result store; Celery keeps none.
    task_ignore_result=True,
    # A message is acknowledged after the task ran: a worker killed mid-task leaves it to
    # be delivered again (the claim then decides), and the sweep covers a lost message.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "postguard-sweep": {"task": "postguard.jobs.sweep", "schedule": SWEEP_SECONDS},
    },
)


@app.task(name="postguard.jobs.run")
def run_job(job_id: int) -> bool:
    return runner.run(int(job_id))


@app.task(name="postguard.jobs.sweep")
def sweep() -> int:
    due = runner.sweep()
    for job_id in due:
        run_job.delay(job_id)
    return len(due)

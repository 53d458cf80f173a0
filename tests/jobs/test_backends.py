"""Both backends end to end: a submitted post is vetted by a worker and lands in review.

The embedded worker runs as a thread here; the Celery worker is a real `celery worker` process
on the broker (Redis, then RabbitMQ, both on loopback), bound to this test's database (the
SQLite test database is a file, so the worker shares it as it shares PostgreSQL's).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from postguard.jobs import runner
from postguard.jobs.embedded import start_thread
from postguard.jobs.models import Job
from postguard.workflow import services
from postguard.workflow.models import Post, State
from tests.jobs.conftest import wait_for
from tests.workflow.conftest import CLEAN, req

REDIS = "redis://127.0.0.1:6379/14"
RABBITMQ = "amqp://guest:guest@127.0.0.1:5672//"


def _state(post: Post) -> str:
    post.refresh_from_db()
    return str(post.state)


def _submit(cast: Any) -> Post:
    content = services.Content(text=CLEAN, account_ids=[cast.bluesky.pk])
    post = services.create_post(cast.eddie, content)
    services.submit(post, cast.eddie, request=req(cast.eddie))
    return post


@pytest.mark.django_db(transaction=True)
def test_the_embedded_worker_vets_a_submitted_post(
    cast: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    worker, thread = start_thread()
    try:
        post = _submit(cast)
        wait_for(lambda: _state(post) == State.IN_REVIEW, what="the post to reach review")
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert Job.objects.get(name="workflow.vet").state == "done"


@pytest.mark.django_db(transaction=True)
def test_postguard_worker_once_runs_due_jobs(cast: Any, settings: Any, tmp_path: Path) -> None:
    from django.core.management import call_command

    settings.MEDIA_ROOT = tmp_path
    post = _submit(cast)
    call_command("worker", "--once")
    assert _state(post) == State.IN_REVIEW


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _fresh_producers(app: Any) -> None:
    # The app caches its connection and producer pools for the broker URL it first used.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(params=[REDIS, RABBITMQ], ids=["redis", "rabbitmq"])
def celery_worker(request: Any, settings: Any, tmp_path: Path) -> Iterator[str]:
    """A `celery worker` process on its own queue; the test process sends to that queue."""
    from postguard.jobs.celery import app

    broker = str(request.param)
    queue = f"postguard-test-{uuid.uuid4().hex[:8]}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POSTGUARD_")}
    environ.update(
        DATABASE_URL=_database_url(),
        POSTGUARD_JOBS_BACKEND="celery",
        POSTGUARD_BROKER_URL=broker,
        POSTGUARD_DATA_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="postguard.settings.site",
    )
    log = (tmp_path / "celery.log").open("w")
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "postguard.jobs.celery",
            "worker",
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
        ],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    settings.JOBS_BACKEND = "celery"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    saved = (app.conf.broker_url, app.conf.task_default_queue)
    app.conf.update(broker_url=broker)
    app.conf.task_default_queue = queue
    _fresh_producers(app)
    wait_for(
        lambda: "ready." in (tmp_path / "celery.log").read_text() or process.poll() is not None,
        what="the Celery worker to start",
    )
    assert process.poll() is None, (tmp_path / "celery.log").read_text()
    try:
        yield queue
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        app.conf.update(broker_url=saved[0], task_default_queue=saved[1])
        _fresh_producers(app)
        if process.returncode not in (0, -signal.SIGTERM):
            print((tmp_path / "celery.log").read_text())


@pytest.mark.django_db(transaction=True)
def test_a_celery_worker_vets_a_submitted_post(
    cast: Any, celery_worker: str, tmp_path: Path
) -> None:
    post = _submit(cast)
    wait_for(
        lambda: _state(post) == State.IN_REVIEW,
        what=f"the Celery worker to vet the post (log: {tmp_path / 'celery.log'})",
    )
    job = Job.objects.get(name="workflow.vet")
    assert (job.state, job.attempts) == ("done", 1)
    assert job.locked_by == ""
    # A duplicate message for a finished job runs nothing.
    from postguard.jobs.celery import run_job

    run_job.delay(job.pk)
    assert runner.run(job.pk) is False


@pytest.mark.django_db(transaction=True)
def test_the_celery_sweep_picks_up_a_job_whose_message_was_lost(
    cast: Any, celery_worker: str, tmp_path: Path
) -> None:
    from postguard.jobs.celery import sweep

    content = services.Content(text=CLEAN, account_ids=[cast.bluesky.pk])
    post = services.create_post(cast.eddie, content)
    services.submit(post, cast.eddie, request=req(cast.eddie))
    # Make it look lost: the row is queued but imagine no message; the sweep re-sends.
    sweep.delay()
    wait_for(lambda: _state(post) == State.IN_REVIEW, what="the sweep to run the lost job")
    assert Job.objects.get(name="workflow.vet").attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_celery_job_due_later_runs_when_due_without_a_sweep(
    celery_worker: str, tmp_path: Path
) -> None:
    # No beat runs here: only the message's eta can bring the job back when it falls due. Sent
    # at once instead, the worker would find nothing due to claim and the job would stay queued.
    from django.db import transaction
    from django.utils import timezone

    with transaction.atomic():
        job = runner.enqueue(
            "publishing.publish", 999_999, run_after=timezone.now() + dt.timedelta(seconds=3)
        )
    wait_for(
        lambda: Job.objects.get(pk=job.pk).state == Job.State.DONE,
        what=f"the Celery worker to run the job when due (log: {tmp_path / 'celery.log'})",
    )
    assert Job.objects.get(pk=job.pk).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_two_worker_processes_vet_each_post_exactly_once(
    cast: Any, settings: Any, tmp_path: Path
) -> None:
    from postguard.audit.models import AuditEvent

    settings.MEDIA_ROOT = tmp_path / "var" / "media"
    posts = [_submit(cast) for _ in range(12)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POSTGUARD_")}
    environ.update(
        DATABASE_URL=_database_url(),
        POSTGUARD_DATA_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="postguard.settings.site",
    )
    command = [str(Path(sys.executable).with_name("postguard")), "worker", "--once"]
    workers = [
        subprocess.Popen(command, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=300)[0].decode() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    ran = sum(int(out.split("ran ")[1].split()[0]) for out in outputs)
    assert ran == 12
    assert all(_state(post) == State.IN_REVIEW for post in posts)
    assert set(Job.objects.values_list("state", "attempts")) == {("done", 1)}
    vetted = AuditEvent.objects.filter(action="workflow.post.vetted")
    assert sorted(int(e.object_id) for e in vetted) == sorted(p.pk for p in posts)

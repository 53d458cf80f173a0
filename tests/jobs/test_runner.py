"""The job table is the truth: enqueue after commit, one claim per attempt, retries, the sweep."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from postguard.jobs import runner
from postguard.jobs.backends import EmbeddedBackend
from postguard.jobs.models import Job
from tests.jobs.conftest import RAN


@pytest.fixture(autouse=True)
def _clean() -> None:
    RAN.clear()


@pytest.mark.django_db
def test_enqueue_tells_the_backend_only_after_the_commit(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    told: list[int] = []
    monkeypatch.setattr(
        EmbeddedBackend, "notify", lambda self, job_id, run_after=None: told.append(job_id)
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = runner.enqueue("test.record", 42)
        assert told == []
    assert len(callbacks) == 1
    assert told == [job.pk]
    assert (job.name, job.object_id, job.state, job.attempts) == ("test.record", "42", "queued", 0)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_enqueue_leaves_no_job_and_no_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    told: list[int] = []
    monkeypatch.setattr(
        EmbeddedBackend, "notify", lambda self, job_id, run_after=None: told.append(job_id)
    )

    def failing_request() -> None:
        with transaction.atomic():
            runner.enqueue("test.record", 1)
            raise RuntimeError("the request failed")

    with pytest.raises(RuntimeError):
        failing_request()
    assert Job.objects.count() == 0
    assert told == []


@pytest.mark.django_db
def test_an_unknown_job_is_refused_by_name() -> None:
    with pytest.raises(runner.UnknownJobError, match="no handler for job 'nope'; known jobs: "):
        runner.enqueue("nope", 1)


@pytest.mark.django_db
def test_a_job_is_claimed_once_and_run_once() -> None:
    job = runner.enqueue("test.record", 7)
    assert runner.claim(job.pk, "worker-a") is True
    assert runner.claim(job.pk, "worker-b") is False
    runner.execute(job.pk, "worker-b")  # not its claim: does nothing
    assert RAN == []
    assert runner.execute(job.pk, "worker-a") == "done"
    job.refresh_from_db()
    assert (job.state, job.attempts, job.locked_by, RAN) == ("done", 1, "", ["7"])
    assert runner.run(job.pk) is False  # a second message for the same job runs nothing


@pytest.mark.django_db
def test_a_job_not_yet_due_is_not_claimed() -> None:
    job = runner.enqueue("test.record", 1, run_after=timezone.now() + dt.timedelta(minutes=5))
    assert runner.claim(job.pk, "w") is False
    assert runner.run_next("w") is None


@pytest.mark.django_db
def test_a_failing_job_is_retried_later_then_fails_with_its_error() -> None:
    job = runner.enqueue("test.explode", 3, max_attempts=2)
    assert runner.run_next("w") == job.pk
    job.refresh_from_db()
    assert job.state == "queued"
    assert job.last_error == "RuntimeError: boom on 3"
    assert job.run_after > timezone.now()  # backed off
    Job.objects.filter(pk=job.pk).update(run_after=timezone.now())
    runner.run_next("w")
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("failed", 2, "RuntimeError: boom on 3")


@pytest.mark.django_db
def test_the_sweep_releases_expired_locks_and_lists_due_jobs() -> None:
    stuck = runner.enqueue("test.record", 1)
    assert runner.claim(stuck.pk, "dead-worker")
    Job.objects.filter(pk=stuck.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    lost = runner.enqueue("test.record", 2)  # its message was lost
    later = runner.enqueue("test.record", 3, run_after=timezone.now() + dt.timedelta(hours=1))
    due = runner.sweep()
    assert sorted(due) == sorted([stuck.pk, lost.pk])
    assert later.pk not in due
    stuck.refresh_from_db()
    assert (stuck.state, stuck.locked_by, stuck.last_error) == ("queued", "", "lock expired")
    # On its last attempt, an expired lock fails the job instead.
    Job.objects.filter(pk=stuck.pk).update(max_attempts=1)
    assert runner.claim(stuck.pk, "dead-again")
    Job.objects.filter(pk=stuck.pk).update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    runner.sweep()
    stuck.refresh_from_db()
    assert stuck.state == "failed"


@pytest.mark.django_db(transaction=True)
def test_racing_workers_claim_each_job_exactly_once() -> None:
    jobs = [runner.enqueue("test.record", n).pk for n in range(60)]
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        mine: list[int] = []
        start.wait()
        try:
            while True:
                job_id = runner.claim_next(name)
                if job_id is None:
                    break
                mine.append(job_id)
        finally:
            connection.close()
        claimed[name] = mine

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [job_id for mine in claimed.values() for job_id in mine]
    assert sorted(every) == sorted(jobs)  # each exactly once
    assert Job.objects.filter(state="running", attempts=1).count() == 60

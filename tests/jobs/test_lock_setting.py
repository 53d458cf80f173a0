"""POSTGUARD_JOB_LOCK_SECONDS: how long a job claim holds, so how late a killed worker's job is."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from postguard.jobs import runner
from postguard.jobs.models import Job
from tests.jobs.conftest import RAN

T0 = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _clean() -> None:
    RAN.clear()


def _at(monkeypatch: pytest.MonkeyPatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(timezone, "now", lambda: moment)


def _queued() -> Job:
    return Job.objects.create(name="test.record", object_id="7", run_after=T0)


@pytest.mark.django_db
def test_a_claim_holds_as_long_as_the_setting_says(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JOB_LOCK_SECONDS = 45  # type: ignore[attr-defined]
    _at(monkeypatch, T0)
    job = _queued()
    assert runner.claim(job.pk, "worker-a")
    job.refresh_from_db()
    assert (job.state, job.locked_by, job.locked_until) == (
        Job.State.RUNNING,
        "worker-a",
        T0 + dt.timedelta(seconds=45),
    )


@pytest.mark.django_db
def test_the_keyword_argument_still_wins_over_the_setting(
    settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.JOB_LOCK_SECONDS = 45  # type: ignore[attr-defined]
    _at(monkeypatch, T0)
    job = _queued()
    assert runner.claim_next("worker-a", lock_seconds=12) == job.pk
    job.refresh_from_db()
    assert job.locked_until == T0 + dt.timedelta(seconds=12)


@pytest.mark.django_db
def test_the_default_is_five_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    _at(monkeypatch, T0)
    job = _queued()
    assert runner.claim(job.pk, "worker-a")
    job.refresh_from_db()
    assert job.locked_until == T0 + dt.timedelta(seconds=300)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lock_seconds", "sweep_after", "state_after_sweep"),
    [
        (10, 9, Job.State.RUNNING),  # within the lock: the killed worker still holds it
        (10, 11, Job.State.QUEUED),  # past it: handed on, so at most ~10 s late
        (300, 11, Job.State.RUNNING),  # the default lock keeps it five minutes
        (300, 301, Job.State.QUEUED),
    ],
)
def test_a_killed_workers_job_is_handed_on_once_its_lock_passes(
    settings: object,
    monkeypatch: pytest.MonkeyPatch,
    lock_seconds: int,
    sweep_after: int,
    state_after_sweep: str,
) -> None:
    settings.JOB_LOCK_SECONDS = lock_seconds  # type: ignore[attr-defined]
    _at(monkeypatch, T0)
    job = _queued()
    assert runner.claim(job.pk, "killed-worker")  # ... and the worker dies without executing
    _at(monkeypatch, T0 + dt.timedelta(seconds=sweep_after))
    runner.sweep()
    job.refresh_from_db()
    assert job.state == state_after_sweep
    if state_after_sweep == Job.State.QUEUED:
        assert (job.locked_by, job.last_error) == ("", "lock expired")
        assert runner.run_next("worker-b") == job.pk
        assert RAN == ["7"]  # run once, by the worker that took over


def _check(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("POSTGUARD_", "DJANGO_")) and key != "DATABASE_URL"
    }
    environ.update({"POSTGUARD_DATA_DIR": str(tmp_path), **env})
    return subprocess.run(
        [sys.executable, "-m", "postguard.cli.main", "check"],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "POSTGUARD_JOB_LOCK_SECONDS=5 is too small; the minimum is 10"),
        ("soon", "POSTGUARD_JOB_LOCK_SECONDS='soon' is not a whole number"),
    ],
)
def test_a_bad_lock_setting_is_refused_by_name(tmp_path: Path, value: str, message: str) -> None:
    result = _check(tmp_path, POSTGUARD_JOB_LOCK_SECONDS=value)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr

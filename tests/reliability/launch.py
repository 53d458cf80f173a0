"""Start a real worker for a reliability run, with the run's timings.

    python -m tests.reliability.launch worker              (the embedded `postguard worker`)
    celery -A tests.reliability.launch worker -c 1 ...     (a Celery worker; `beat` likewise)

The workers run Postguard's own code unchanged. Only three timing constants are shortened,
from the environment, so that a worker killed mid-run is replaced within the test's time
bound instead of after the production waits:

- RELIABILITY_LOCK_SECONDS: how long a job claim (runner.LOCK_SECONDS, 300 s) and a delivery
  claim (publisher.claim_seconds(), at least 120 s) hold before another worker may take over.
  It stays several times longer than one platform call may take (POSTGUARD_PLATFORM_TIMEOUT).
- RELIABILITY_SWEEP_SECONDS: how often the sweep runs (30 s in the embedded worker and in
  Celery beat).
- RELIABILITY_PROFILE (the benchmark): a file to write a cProfile of the worker's publish
  and reconcile jobs to when it stops.
- RELIABILITY_QUEUE: the Celery queue the run's processes send to and consume (a private one,
  so that a run never takes another run's messages on the same broker).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postguard.settings.site")


def _shorten_timings() -> None:
    import django

    django.setup()
    from postguard.jobs import embedded, runner
    from postguard.publishing import publisher

    lock = os.environ.get("RELIABILITY_LOCK_SECONDS")
    if lock:
        seconds = int(lock)
        runner.LOCK_SECONDS = seconds  # type: ignore[misc]  # Final in production; the run's claim
        # The functions bound the constant as a keyword default when they were defined.
        runner.claim.__kwdefaults__ = {"lock_seconds": seconds}
        runner.claim_next.__kwdefaults__ = {"lock_seconds": seconds}
        publisher.claim_seconds = lambda: seconds
    sweep = os.environ.get("RELIABILITY_SWEEP_SECONDS")
    if sweep:
        embedded.Worker.__init__.__kwdefaults__ = {
            "poll": embedded.POLL_SECONDS,
            "sweep_every": float(sweep),
        }


_shorten_timings()

if os.environ.get("POSTGUARD_JOBS_BACKEND") == "celery":
    from postguard.jobs.celery import app

    app.conf.task_default_queue = os.environ.get("RELIABILITY_QUEUE", "celery")
    if os.environ.get("RELIABILITY_SWEEP_SECONDS"):
        app.conf.beat_schedule["postguard-sweep"]["schedule"] = float(
            os.environ["RELIABILITY_SWEEP_SECONDS"]
        )

    __all__ = ["app"]


def main(argv: list[str]) -> int:
    from postguard.cli.django_commands import run_management_command

    profile_to = os.environ.get("RELIABILITY_PROFILE")
    if not profile_to:
        return run_management_command(argv)
    profiler = _profile_publishing()
    try:
        return run_management_command(argv)
    finally:
        profiler.dump_stats(profile_to)


def _profile_publishing() -> Any:
    """The benchmark's profile: cProfile on only while a publish or reconcile job runs (not
    the polling, not the integrity watch), written when the worker stops (SIGTERM).

    The platform SDKs are imported first, as a long-running worker imported them long ago.
    """
    import cProfile

    import postguard.connectors.bluesky
    import postguard.connectors.mastodon  # noqa: F401
    from postguard.jobs import runner

    profiler = cProfile.Profile()

    def profiled(inner: Callable[[str], None]) -> Callable[[str], None]:
        def run(object_id: str) -> None:
            profiler.enable()
            try:
                inner(object_id)
            finally:
                profiler.disable()

        return run

    for name in ("publishing.publish", "publishing.reconcile"):
        runner._HANDLERS[name] = profiled(runner._HANDLERS[name])
    return profiler


if __name__ == "__main__":
    args: Any = sys.argv[1:]
    sys.exit(main(args))

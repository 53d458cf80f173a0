"""postguard worker: run jobs (the embedded worker, or a Celery worker with the Celery backend)."""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from typing import Any

from django.conf import settings

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput


class Command(ActorCommand):
    help = (
        "Run background jobs. With POSTGUARD_JOBS_BACKEND=embedded (the default) this polls the "
        "job table; with celery it starts a Celery worker on POSTGUARD_BROKER_URL "
        "(with the periodic sweep, unless --no-beat)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run every due job, then exit (embedded only)"
        )
        parser.add_argument(
            "--no-beat", action="store_true", help="celery: do not run the sweep schedule here"
        )
        parser.add_argument("--concurrency", type=int, default=2, help="celery: processes")

    def act(self, actor: Actor, **options: Any) -> None:
        if settings.JOBS_BACKEND == "celery":
            if options["once"]:
                raise BadInput("--once works with the embedded backend only")
            from postguard.jobs.celery import app

            argv = ["worker", f"--concurrency={options['concurrency']}", "--loglevel=INFO"]
            if not options["no_beat"]:
                argv.append("--beat")
            app.worker_main(argv)
            return
        from postguard.jobs.embedded import Worker

        worker = Worker()
        if options["once"]:
            ran = worker.run_once()
            self.stdout.write(f"ran {ran} job(s)")
            return

        def stop(signum: int, frame: Any) -> None:
            worker.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("Postguard worker (embedded) running; Ctrl+C stops it")
        self.stdout.flush()
        worker.run_forever()

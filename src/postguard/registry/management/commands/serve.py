"""postguard serve [--bind HOST:PORT]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.settings import env


class Command(ActorCommand):
    help = (
        "Serve Postguard with waitress (static files by whitenoise) on POSTGUARD_BIND, "
        "127.0.0.1:8000 by default. Prints the URL and, when the demo is loaded, its sign-ins."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--bind", metavar="HOST:PORT", help="overrides POSTGUARD_BIND for this run"
        )
        parser.add_argument("--threads", type=int, default=8, help="worker threads (default 8)")

    def act(self, actor: Actor, **options: Any) -> None:
        host, port = settings.BIND
        if options["bind"]:
            try:
                host, port = env.bind_address(
                    "--bind", settings.BIND, environ={"--bind": options["bind"]}
                )
            except env.SettingError as error:
                raise BadInput(str(error)) from None
        if not 1 <= options["threads"] <= 64:
            raise BadInput("--threads: use 1 to 64")
        pending = MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
        if pending:
            raise BadInput(
                f"the database needs {len(pending)} migration(s); run `postguard migrate` first"
            )
        from pathlib import Path

        from waitress import serve

        # whitenoise serves from the apps (WHITENOISE_USE_FINDERS) and warns if STATIC_ROOT
        # is missing; `collectstatic` fills it for deployments.
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)

        from postguard.registry.demo import is_demo_installed
        from postguard.registry.management.commands.demo import sign_in_lines
        from postguard.wsgi import application

        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(f"Postguard is running at http://{shown}:{port}/  (Ctrl+C stops it)")
        if is_demo_installed():
            for line in sign_in_lines():
                self.stdout.write(line)
        if settings.JOBS_BACKEND == "embedded":
            # The embedded default: background jobs (vetting, publishing) run beside the server.
            from postguard.jobs.embedded import start_thread

            start_thread()
            self.stdout.write("Background jobs: embedded worker running in this process")
        self.stdout.flush()
        serve(application, host=host, port=port, threads=options["threads"], ident="Postguard")

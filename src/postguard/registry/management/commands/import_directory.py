"""postguard import-directory FILE [--skip-invalid]"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.registry.services import import_directory


class Command(ActorCommand):
    help = (
        "Import the employee directory from a CSV file (columns: name, preferred_name, "
        "department, title, email, phone, office, participant; optional consent_date, "
        "work_handle, team). The whole file is validated first and every bad row is reported "
        "with its row number; nothing is written unless every row is valid. Re-importing "
        "updates people by email."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", metavar="FILE", help="the directory CSV (UTF-8)")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows and report the invalid ones instead of importing nothing",
        )

    def act(self, actor: Actor, **options: Any) -> None:
        path = Path(options["file"])
        limit = settings.MAX_UPLOAD_BYTES
        try:
            size = path.stat().st_size
            if size > limit:
                raise BadInput(
                    f"{path}: the file is {size} bytes; the limit is {limit} "
                    "(POSTGUARD_MAX_UPLOAD_BYTES)"
                )
            data = path.read_bytes()
        except OSError as exc:
            raise BadInput(f"{path}: cannot read the file ({exc.strerror})") from None
        report = import_directory(
            actor, data, source=str(path), skip_invalid=options["skip_invalid"]
        )
        for error in report.skipped:
            self.stderr.write(f"skipped {error}")
        self.stdout.write(report.summary())

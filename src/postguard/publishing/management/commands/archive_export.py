"""postguard archive-export --format json|csv [--account ID] [--since DATE] [--until DATE]
[--output FILE]"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from postguard.audit.log import record
from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.core.permissions import require
from postguard.publishing import archive
from postguard.registry.management.commands._common import find_account


class Command(ActorCommand):
    help = (
        "Export the archive of published posts (versions, approvals, overrides, verdicts, "
        "deliveries, digests) as one JSON document or as CSV with one row per delivery. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--format", required=True, choices=archive.FORMATS, help="json or csv")
        parser.add_argument(
            "--account",
            metavar="ID",
            help="only posts published on this account (id, or PLATFORM:HANDLE)",
        )
        parser.add_argument("--since", metavar="YYYY-MM-DD", help="published on or after this day")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="published on or before this day")
        parser.add_argument(
            "--output", metavar="FILE", type=Path, help="write here instead of standard output"
        )

    def act(self, actor: Actor, **options: Any) -> None:
        require(actor, "archive.export")
        params: dict[str, Any] = {name: options.get(name) for name in ("since", "until")}
        if options.get("account"):
            params["account"] = find_account(options["account"]).pk
        try:
            filters = archive.parse_filters(params)
        except archive.ArchiveFilterError as exc:
            raise BadInput(
                "; ".join(f"--{name}: {message}" for name, message in exc.problems)
            ) from None
        output: Path | None = options.get("output")
        if output is not None and not output.parent.is_dir():
            raise BadInput(f"--output {output}: the folder {output.parent} does not exist")
        export = archive.prepare_export(actor, filters, options["format"])
        record("archive.export", actor=actor, after={**export.audit_details(), "via": "cli"})
        if output is None:
            for chunk in export.chunks():
                self.stdout.write(chunk, ending="")
            return
        # Written beside the target and renamed at the end: never half a file under its name.
        partial = output.with_name(output.name + ".part")
        with partial.open("w", encoding="utf-8", newline="") as handle:
            for chunk in export.chunks():
                handle.write(chunk)
        partial.replace(output)
        self.stderr.write(
            f"wrote {export.post_count} post(s), {export.delivery_count} delivery(ies) to {output}"
        )

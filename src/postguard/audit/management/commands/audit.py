"""`postguard audit verify|checkpoint|export|public-key`: prove the log intact, sign, export."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from postguard.audit import signing
from postguard.audit.export import Writer, export_events
from postguard.audit.log import audit_context, record
from postguard.audit.verify import verify_chain, verify_export
from postguard.settings.audit import SIGNING_KEY_FILE, signing_key_path
from postguard.settings.env import SettingError

EXIT_BROKEN = 1
EXIT_UNUSABLE = 2


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, write signed checkpoints, export events as JSONL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help=argparse.SUPPRESS)
        commands = parser.add_subparsers(
            dest="subcommand", metavar="{verify,checkpoint,export,public-key}", required=True
        )
        verify = commands.add_parser(
            "verify",
            help="walk the chain and name the first broken link",
            description="Walk the hash chain from the first event and name the first broken "
            "link. With --checkpoint, also prove that no event up to that checkpoint was "
            "removed or changed. Exit 0 intact, 1 broken, 2 checkpoint or key unusable.",
        )
        verify.add_argument("--checkpoint", type=Path, help="a checkpoint file to verify against")
        verify.add_argument(
            "--export",
            type=Path,
            help="check this JSONL export (from `audit export`) instead of the database: "
            "works off the box, without the database",
        )
        verify.add_argument(
            "--partial",
            action="store_true",
            help="with --export: the export may start after seq 1 (exported --since a date)",
        )
        verify.add_argument(
            "--public-key",
            type=Path,
            help="the PEM public key that signed the checkpoint (default: derived from "
            f"{SIGNING_KEY_FILE})",
        )
        checkpoint = commands.add_parser(
            "checkpoint",
            help="write the head hash and count, signed (Ed25519)",
            description="Write the chain's head hash and event count, signed with the key in "
            f"{SIGNING_KEY_FILE} (generated on first use). Copy it off this machine.",
        )
        checkpoint.add_argument("--out", type=Path, help="write here instead of standard output")
        export = commands.add_parser(
            "export",
            help="write events as JSON lines",
            description="Write events, oldest first, one JSON object per line.",
        )
        export.add_argument("--since", help="events at or after this date or ISO time (UTC)")
        export.add_argument("--until", help="events before this date or ISO time (UTC)")
        export.add_argument("--after-seq", type=int, help="events after this sequence number")
        export.add_argument("--action", help="only actions starting with this, e.g. auth.")
        export.add_argument("--out", type=Path, help="write here instead of standard output")
        commands.add_parser(
            "public-key",
            help="print the signing key's public key (PEM), to keep with exported checkpoints",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        using: str = options["database"]
        subcommand: str = options["subcommand"]
        if subcommand == "verify":
            self._verify(
                options["checkpoint"], options["public_key"], options["export"], options, using
            )
        elif subcommand == "checkpoint":
            self._checkpoint(options["out"], using)
        elif subcommand == "export":
            self._export(options, using)
        else:
            key = self._signing_key(create=False)
            self.stdout.write(signing.public_pem(key.public), ending="")

    # --- verify ------------------------------------------------------------------------------

    def _verify(
        self,
        checkpoint_path: Path | None,
        public_key: Path | None,
        export: Path | None,
        options: dict[str, Any],
        using: str,
    ) -> None:
        checkpoint = None
        if checkpoint_path is not None:
            try:
                public = (
                    signing.load_public_key(public_key)
                    if public_key is not None
                    else self._signing_key(create=False).public
                )
                checkpoint = signing.read_checkpoint(checkpoint_path, public)
            except signing.SigningKeyError as exc:
                raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from None
        if export is not None:
            try:
                with export.open(encoding="utf-8") as lines:
                    report = verify_export(lines, checkpoint, partial=options["partial"])
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 ({exc})"
                raise CommandError(
                    f"the export {export} cannot be read: {reason}", returncode=EXIT_UNUSABLE
                ) from None
            subject = f"the export {export}"
        else:
            report = verify_chain(using, checkpoint)
            subject = "the audit log"
        if not report.intact:
            first = report.problems[0]
            self.stdout.write(f"BROKEN: {subject} ({report.count} events) fails verification")
            self.stdout.write(f"first broken link: {first}")
            raise CommandError(f"audit log broken at {first}", returncode=EXIT_BROKEN)
        self.stdout.write(
            f"OK: {report.count} events, seq {report.first_seq} to {report.head_seq}, "
            f"chain intact; head hash {report.head_hash}"
        )
        if checkpoint is not None:
            self.stdout.write(
                f"OK: checkpoint of {checkpoint.created} ({checkpoint.count} events, signed by "
                f"{checkpoint.fingerprint}) is covered: nothing up to it was removed or changed"
            )

    # --- checkpoint --------------------------------------------------------------------------

    def _checkpoint(self, out: Path | None, using: str) -> None:
        key = self._signing_key(create=True)
        report = verify_chain(using)
        if not report.intact:
            raise CommandError(
                f"refusing to sign a broken audit log: {report.problems[0]} "
                "(run `postguard audit verify`)",
                returncode=EXIT_BROKEN,
            )
        created = timezone.now().astimezone(dt.UTC).isoformat(timespec="seconds")
        checkpoint = signing.sign_checkpoint(
            key,
            count=report.count,
            head_seq=report.head_seq,
            head_hash=report.head_hash,
            created=created,
        )
        text = json.dumps(checkpoint, indent=2, sort_keys=True) + "\n"
        if out is None:
            self.stdout.write(text, ending="")
        else:
            try:
                out.write_text(text, encoding="utf-8")
            except OSError as exc:
                raise CommandError(f"cannot write {out}: {exc.strerror}", returncode=2) from None
            self.stderr.write(
                f"Wrote a checkpoint of {report.count} events (head seq {report.head_seq}) to "
                f"{out}. Copy it off this machine: it proves later that nothing up to here was "
                "removed."
            )
        with audit_context(actor_name="cli", device="cli"):
            record(
                "audit.checkpoint",
                object_type="audit.auditevent",
                object_id=report.head_seq,
                object_repr=f"checkpoint at seq {report.head_seq}",
                after={
                    "count": report.count,
                    "head_hash": report.head_hash,
                    "fingerprint": checkpoint["fingerprint"],
                },
                using=using,
            )

    def _signing_key(self, *, create: bool) -> signing.SigningKey:
        try:
            path = signing_key_path(Path(settings.DATA_DIR))
            key = signing.load_signing_key(path, create=create)
        except (SettingError, signing.SigningKeyError) as exc:
            raise CommandError(str(exc), returncode=EXIT_UNUSABLE) from None
        if key.created:
            self.stderr.write(
                f"Created a new audit signing key at {path} (permissions 0600, fingerprint "
                f"{signing.fingerprint(key.public)}). Keep it outside the database and its "
                f"backups; set {SIGNING_KEY_FILE} to move it. Keep a copy of the public key "
                "(`postguard audit public-key`) with the checkpoints you export."
            )
        elif not signing.key_is_private_to_owner(path):
            self.stderr.write(
                f"Warning: the audit signing key {path} can be read by other users; "
                f"run: chmod 600 {path}"
            )
        return key

    # --- export ------------------------------------------------------------------------------

    def _export(self, options: dict[str, Any], using: str) -> None:
        since = _moment(options["since"], "--since")
        until = _moment(options["until"], "--until")
        out: Path | None = options["out"]
        if out is None:
            self._export_to(self.stdout, since, until, options, using)
            return
        try:
            with out.open("w", encoding="utf-8") as handle:
                count = self._export_to(handle, since, until, options, using)
        except OSError as exc:
            raise CommandError(f"cannot write {out}: {exc.strerror}", returncode=2) from None
        self.stderr.write(f"Exported {count} events to {out}")

    @staticmethod
    def _export_to(
        handle: Writer,
        since: dt.datetime | None,
        until: dt.datetime | None,
        options: dict[str, Any],
        using: str,
    ) -> int:
        return export_events(
            handle,
            since=since,
            until=until,
            after_seq=options["after_seq"],
            action=options["action"],
            using=using,
        )


def _moment(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    parsed: dt.datetime | None = None
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            if day is not None:
                parsed = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        parsed = None
    if parsed is None:
        raise CommandError(
            f"{option} {value!r} is not a date or time; use 2026-01-31 or 2026-01-31T09:00:00Z",
            returncode=2,
        )
    if timezone.is_naive(parsed):
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed

"""postguard alerts [--all] [--json]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.core.permissions import require
from postguard.publishing.integrity import MEANING
from postguard.publishing.models import IntegrityAlert


def alert_row(alert: IntegrityAlert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "account": str(alert.account),
        "kind": alert.kind,
        "meaning": MEANING[IntegrityAlert.Kind(alert.kind)],
        "remote_id": alert.remote_id,
        "url": alert.url,
        "details": alert.details,
        "raised_at": alert.raised_at.isoformat(),
        "acknowledged_by": alert.acknowledged_by_name,
        "note": alert.note,
    }


def alert_line(row: dict[str, Any]) -> str:
    where = row["url"] or row["remote_id"]
    line = f"[{row['id']}] {row['account']}: {row['meaning']}: {where}"
    if row["acknowledged_by"]:
        line += f" (acknowledged by {row['acknowledged_by']}: {row['note']})"
    return line


class Command(ActorCommand):
    help = (
        "List open integrity alerts (edits, deletions and posts Postguard did not publish) on "
        "the accounts you watch; acknowledge them in the web app or the API."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--all", action="store_true", help="acknowledged ones too")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def act(self, actor: Actor, **options: Any) -> None:
        require(actor, "integrity.view")
        rows = IntegrityAlert.objects.restrict(actor, "integrity.view").select_related("account")
        if not options["all"]:
            rows = rows.open()
        data = [alert_row(alert) for alert in rows]
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        if not data:
            self.stdout.write("no open integrity alerts" if not options["all"] else "no alerts")
        for row in data:
            self.stdout.write(alert_line(row))

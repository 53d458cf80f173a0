"""postguard devices [--json]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.core.permissions import require
from postguard.registry.models import Device


class Command(ActorCommand):
    help = (
        "List the company devices you may see: enrolled ones and revoked ones. Devices are "
        "enrolled from the browser itself (web app, Devices page), since enrolment sets its cookie."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def act(self, actor: Actor, **options: Any) -> None:
        require(actor, "device.view")
        devices = Device.objects.restrict(actor, "device.view").select_related("owner__user")
        rows: list[dict[str, Any]] = [
            {
                "id": d.pk,
                "name": d.name,
                "owner": str(d.owner) if d.owner_id else None,
                "enrolled_by": d.enrolled_by_name,
                "enrolled_at": d.enrolled_at.isoformat(),
                "revoked_at": d.revoked_at.isoformat() if d.revoked_at else None,
                "revoke_reason": d.revoke_reason,
            }
            for d in devices.order_by("pk")
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        if not rows:
            self.stdout.write("no devices you may see")
        for row in rows:
            state = f"revoked {row['revoked_at'][:10]}" if row["revoked_at"] else "enrolled"
            owner = f", owner {row['owner']}" if row["owner"] else ""
            self.stdout.write(f"[{row['id']}] {row['name']}: {state}{owner}")

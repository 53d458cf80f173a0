"""postguard pauses [--active] [--json]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.db.models import Q

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.core.permissions import require
from postguard.publishing.models import Pause
from postguard.publishing.pause import scope_of
from postguard.registry.models import PlatformAccount


class Command(ActorCommand):
    help = "List pauses, newest first: who paused what, when and why, and who resumed it."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--active", action="store_true", help="only the active ones")
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def act(self, actor: Actor, **options: Any) -> None:
        require(actor, "account.view")
        accounts = PlatformAccount.objects.restrict(actor, "account.view")
        rows = Pause.objects.filter(
            Q(account__isnull=True) | Q(account__in=accounts.values("pk"))
        ).select_related("account")
        if options["active"]:
            rows = rows.active()
        data: list[dict[str, Any]] = [
            {
                "id": p.pk,
                "scope": scope_of(p.account),
                "account_id": p.account_id,
                "active": p.resumed_at is None,
                "reason": p.reason,
                "paused_by": p.paused_by_name,
                "paused_at": p.paused_at.isoformat(),
                "resumed_by": p.resumed_by_name,
                "resumed_at": p.resumed_at.isoformat() if p.resumed_at else None,
                "resume_note": p.resume_note,
            }
            for p in rows
        ]
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        if not data:
            self.stdout.write("no pauses: scheduled posts go out on time")
        for row in data:
            state = (
                "ACTIVE"
                if row["active"]
                else f"resumed {row['resumed_at'][:16]} by {row['resumed_by']}"
            )
            self.stdout.write(
                f"[{row['id']}] {row['scope']}: {state}; paused {row['paused_at'][:16]} by "
                f"{row['paused_by']}: {row['reason']}"
            )

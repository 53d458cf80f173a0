"""postguard accounts [--json]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.core.permissions import can
from postguard.policy.versions import require_active_policy
from postguard.registry.models import PlatformAccount
from postguard.registry.posture import organization_score, posture_for


class Command(ActorCommand):
    help = (
        "List the platform accounts you may see, with their posture findings (personal login "
        "email, MFA off or SMS, overdue rotation, no keeper, personal recovery contacts) and a "
        "score per account and for the organization."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON instead of text")

    def act(self, actor: Actor, **options: Any) -> None:
        policy = require_active_policy()
        accounts = (
            PlatformAccount.objects.restrict(actor, "account.view")
            .select_related("keeper__user")
            .order_by("platform", "handle")
        )
        show_posture = can(actor, "posture.view")
        rows = []
        postures = []
        for account in accounts:
            row: dict[str, Any] = {
                "id": account.pk,
                "platform": account.platform,
                "handle": account.handle,
            }
            if show_posture:
                posture = posture_for(account, policy)
                postures.append(posture)
                row["login_email"] = account.login_email
                row["mfa_method"] = account.mfa_method
                row["keeper"] = str(account.keeper) if account.keeper else None
                row["score"] = posture.score
                row["findings"] = [
                    {"id": f.id, "severity": f.severity, "message": f.message, "fix": f.fix}
                    for f in posture.findings
                ]
            rows.append(row)
        score = organization_score(postures) if show_posture else None
        if options["json"]:
            self.stdout.write(json.dumps({"organization_score": score, "accounts": rows}, indent=2))
            return
        if not rows:
            self.stdout.write("no platform accounts you may see")
            return
        for row in rows:
            head = f"[{row['id']}] {row['platform']} {row['handle']}"
            if show_posture:
                head += f"  score {row['score']}/100  login {row['login_email'] or '-'}"
            self.stdout.write(head)
            for finding in row.get("findings", []):
                self.stdout.write(f"    {finding['severity']:<8} {finding['message']}")
                self.stdout.write(f"    {'':<8} fix: {finding['fix']}")
        if score is not None:
            self.stdout.write(f"organization score: {score}/100 over {len(rows)} account(s)")

"""postguard offboard EMAIL --reason TEXT"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.registry.services import offboard, person_by_email


class Command(ActorCommand):
    help = (
        "Offboard a team member in one action: every grant revoked, every session and API "
        "token ended, every credential they kept flagged for rotation, their sign-in "
        "deactivated. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="the person's work email")
        parser.add_argument("--reason", required=True, help="why (kept in the audit log)")

    def act(self, actor: Actor, **options: Any) -> None:
        person = person_by_email(options["email"])
        report = offboard(actor, person, reason=options["reason"])
        self.stdout.write(
            f"offboarded {report.person}: {report.grants_revoked} grant(s) revoked, "
            f"{report.sessions_ended} session(s) ended, {report.tokens_revoked} API token(s) "
            "revoked"
        )
        for account in report.accounts_flagged:
            self.stdout.write(f"  flagged for rotation: {account}")

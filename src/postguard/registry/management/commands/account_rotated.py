"""postguard account-rotated ACCOUNT [--when YYYY-MM-DD]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.registry.management.commands._common import find_account, parse_date
from postguard.registry.services import record_rotation


class Command(ActorCommand):
    help = (
        "Record that an account's credentials were changed (today, or --when): clears its "
        "rotation flag and resets the policy's rotation clock. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("account", metavar="ACCOUNT", help="id or PLATFORM:HANDLE")
        parser.add_argument("--when", metavar="YYYY-MM-DD", help="the day (default: today)")

    def act(self, actor: Actor, **options: Any) -> None:
        when = parse_date("--when", options["when"]) if options["when"] else None
        account = record_rotation(actor, find_account(options["account"]), when=when)
        self.stdout.write(f"[{account.pk}] {account}: rotated on {account.last_rotation}")

"""postguard account-change ACCOUNT [--login-email ...] [--mfa-method ...] ..."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.registry.management.commands._account_options import (
    account_values,
    add_account_options,
)
from postguard.registry.management.commands._common import find_account
from postguard.registry.services import update_account


class Command(ActorCommand):
    help = "Change a platform account's registry details (only the options given). Audited."

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("account", metavar="ACCOUNT", help="id or PLATFORM:HANDLE")
        add_account_options(parser)

    def act(self, actor: Actor, **options: Any) -> None:
        values = account_values(options)
        if not values:
            raise BadInput("nothing to change: give at least one option (see --help)")
        account = update_account(actor, find_account(options["account"]), **values)
        self.stdout.write(f"changed [{account.pk}] {account}: {', '.join(sorted(values))}")

"""postguard account-add PLATFORM HANDLE [--login-email ...] [--mfa-method ...] ..."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.registry.management.commands._account_options import (
    account_values,
    add_account_options,
)
from postguard.registry.models import PlatformAccount
from postguard.registry.services import create_account


class Command(ActorCommand):
    help = (
        "Register an official platform account. Its posture findings (personal login email, "
        "MFA off or by SMS, no keeper, personal recovery contacts, overdue rotation) show in "
        "`postguard accounts`. Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("platform", metavar="PLATFORM", choices=PlatformAccount.Platform.values)
        parser.add_argument("handle", metavar="HANDLE", help="the account's handle")
        add_account_options(parser)

    def act(self, actor: Actor, **options: Any) -> None:
        account = create_account(
            actor, platform=options["platform"], handle=options["handle"], **account_values(options)
        )
        self.stdout.write(f"added [{account.pk}] {account}")

"""postguard pause (--account ID | --organization) --reason TEXT"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.publishing.pause import PauseError, describe, pause, scope_of
from postguard.registry.management.commands._common import find_account


class Command(ActorCommand):
    help = (
        "Stop all scheduled posts to one account, or to every account: no platform call is made "
        "until someone resumes (`postguard resume`). Audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument(
            "--account",
            metavar="ID",
            help="an account id or PLATFORM:HANDLE (`postguard accounts`)",
        )
        scope.add_argument(
            "--organization", action="store_true", help="pause every account at once"
        )
        parser.add_argument("--reason", required=True, help="why (shown to the team, audited)")

    def act(self, actor: Actor, **options: Any) -> None:
        account = find_account(options["account"]) if options["account"] else None
        try:
            paused = pause(actor, account, options["reason"])
        except PauseError as error:
            text = str(error)
            raise BadInput(f"--{text}" if text.startswith("reason:") else text) from None
        self.stdout.write(f"paused [{paused.pk}] {scope_of(account)}: {describe(paused)}")

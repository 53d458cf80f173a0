"""postguard integrity-check [--account ID]"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import EXIT_UNEXPECTED, ActorCommand
from postguard.core.permissions import require
from postguard.publishing.integrity import check_account
from postguard.publishing.management.commands.alerts import alert_line, alert_row
from postguard.publishing.models import Connection
from postguard.registry.management.commands._common import find_account
from postguard.registry.models import PlatformAccount


class Command(ActorCommand):
    help = (
        "Run the integrity watch now on one connected account, or on every one you watch: "
        "print the alerts it raises. Exit 1 when a platform could not be read (no alert is "
        "raised for that; the next run tries again)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--account",
            metavar="ID",
            help="an account id or PLATFORM:HANDLE (`postguard accounts`)",
        )

    def act(self, actor: Actor, **options: Any) -> None:
        if options["account"]:
            accounts = [find_account(options["account"])]
            require(actor, "integrity.view", accounts[0])
        else:
            require(actor, "integrity.view")
            watched = PlatformAccount.objects.restrict(actor, "integrity.view")
            connected = Connection.objects.filter(account__in=watched.values("pk"))
            accounts = list(
                PlatformAccount.objects.filter(pk__in=connected.values("account_id")).order_by("pk")
            )
            if not accounts:
                self.stdout.write("no connected accounts to check")
                return
        failed = False
        for account in accounts:
            result = check_account(account)
            self.stdout.write(
                f"{account}: {result.listed} latest post(s) listed, {result.checked} published "
                f"post(s) re-read, {len(result.alerts)} new alert(s)"
            )
            for alert in result.alerts:
                self.stdout.write("  " + alert_line(alert_row(alert)))
            for error in result.errors:
                self.stderr.write(f"  could not check: {error}")
                failed = True
        if failed:
            sys.exit(EXIT_UNEXPECTED)

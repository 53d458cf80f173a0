"""postguard grant EMAIL ROLE [--account ID] --reason TEXT"""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.utils import timezone

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.policy.schema import Role
from postguard.registry.management.commands._common import find_account, parse_date
from postguard.registry.services import grant_role, person_by_email


class Command(ActorCommand):
    help = (
        "Grant a role to a team member: lead, security or auditor organization-wide; editor, "
        "reviewer or contributor on one platform account (--account). Add people first with "
        "`postguard add-person`."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="the person's work email")
        parser.add_argument(
            "role",
            metavar="ROLE",
            choices=[r.value for r in Role],
            help="one of: " + ", ".join(r.value for r in Role),
        )
        parser.add_argument(
            "--account",
            metavar="ACCOUNT",
            help="account id or PLATFORM:HANDLE (per-account roles only)",
        )
        parser.add_argument("--reason", required=True, help="why the person needs the role")
        parser.add_argument(
            "--expires",
            metavar="YYYY-MM-DD",
            help="the grant lapses at the start of this day (UTC)",
        )

    def act(self, actor: Actor, **options: Any) -> None:
        person = person_by_email(options["email"])
        account = find_account(options["account"]) if options["account"] else None
        expires = None
        if options["expires"]:
            day = parse_date("--expires", options["expires"])
            expires = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
            if expires <= timezone.now():
                from postguard.core.management import BadInput

                raise BadInput(f"--expires {options['expires']}: the date must be in the future")
        grant = grant_role(
            actor,
            person,
            options["role"],
            account=account,
            reason=options["reason"],
            expires_at=expires,
        )
        self.stdout.write(f"granted: {grant} (grant {grant.pk})")

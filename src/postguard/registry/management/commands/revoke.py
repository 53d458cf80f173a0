"""postguard revoke EMAIL ROLE [--account ID] --reason TEXT   |   postguard revoke --grant ID"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.policy.schema import Role
from postguard.registry.management.commands._common import find_account
from postguard.registry.models import Grant
from postguard.registry.services import person_by_email, revoke_grant


class Command(ActorCommand):
    help = (
        "Revoke a grant: by person, role and (for per-account roles) account, or by grant id "
        "(--grant, see `postguard people`). Takes effect at once; audited."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", metavar="EMAIL", nargs="?", help="the person's work email")
        parser.add_argument(
            "role",
            metavar="ROLE",
            nargs="?",
            choices=[r.value for r in Role],
            help="one of: " + ", ".join(r.value for r in Role),
        )
        parser.add_argument(
            "--account",
            metavar="ACCOUNT",
            help="account id or PLATFORM:HANDLE (per-account roles only)",
        )
        parser.add_argument("--grant", metavar="ID", type=int, help="the grant's id instead")
        parser.add_argument("--reason", required=True, help="why (kept in the audit log)")

    def act(self, actor: Actor, **options: Any) -> None:
        if options["grant"] is not None:
            if options["email"] or options["role"]:
                raise BadInput("give either --grant ID or EMAIL ROLE, not both")
            grant = Grant.objects.filter(pk=options["grant"]).first()
            if grant is None:
                raise BadInput(f"--grant {options['grant']}: no such grant")
        else:
            if not options["email"] or not options["role"]:
                raise BadInput(
                    "give EMAIL and ROLE (and --account for per-account roles), or --grant ID"
                )
            person = person_by_email(options["email"])
            account = find_account(options["account"]) if options["account"] else None
            grant = (
                Grant.objects.active()
                .filter(person=person, role=options["role"], account=account)
                .first()
            )
            if grant is None:
                where = f" on {account}" if account else ""
                raise BadInput(f"{person} holds no active {options['role']} grant{where}")
        revoke_grant(actor, grant, reason=options["reason"])
        self.stdout.write(f"revoked: {grant}")

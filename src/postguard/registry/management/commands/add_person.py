"""postguard add-person EMAIL --name NAME [--team TEAM]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand
from postguard.registry.services import create_person


class Command(ActorCommand):
    help = (
        "Add a member of the social media team (with a sign-in that has no password yet: set "
        "one with `postguard changepassword EMAIL`). Then grant roles with `postguard grant`."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("email", metavar="EMAIL", help="their work email (the sign-in)")
        parser.add_argument("--name", required=True, help="their full name")
        parser.add_argument("--team", default="", help="their team, e.g. 'communications'")

    def act(self, actor: Actor, **options: Any) -> None:
        person = create_person(actor, options["email"], options["name"], team=options["team"])
        self.stdout.write(f"added {person} <{person.user.email}>")

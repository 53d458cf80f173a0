"""postguard demo [--code]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.registry import demo


def current_totp_code() -> str:
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    return str(format_hotp_value(hotp_value(demo.DEMO_TOTP_SECRET, int(time.time()) // 30)))


def sign_in_lines() -> list[str]:
    people = demo.sign_ins()
    if not people:
        return []
    lines = [
        f"Demo sign-ins (password for everyone: {demo.DEMO_PASSWORD}):",
    ]
    for person in people:
        mfa = "TOTP" if person.mfa else "no MFA"
        lines.append(f"  {person.email:<32} {mfa:<7} {person.note}")
    lines.append(
        f"TOTP secret for every demo user with MFA: {demo.DEMO_TOTP_SECRET} "
        "(add it to an authenticator app, or run `postguard demo --code` for the current code)"
    )
    return lines


class Command(ActorCommand):
    help = (
        "Load the demo organization (the County of Riverbend): a policy, people with every "
        "role, platform accounts with posture findings, a directory and devices. Idempotent: "
        "running it again creates only what is missing. Prints the demo sign-ins."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--code",
            action="store_true",
            help="only print the current TOTP code of the demo users and exit",
        )

    def act(self, actor: Actor, **options: Any) -> None:
        if options["code"]:
            self.stdout.write(current_totp_code())
            return
        if options.get("as_email"):
            raise BadInput("the demo is loaded by the system actor; run it without --as")
        try:
            created = demo.load_demo()
        except demo.DemoError as error:
            raise BadInput(str(error)) from None
        if created:
            self.stdout.write("Created the demo organization, the County of Riverbend:")
            for line in created:
                self.stdout.write(f"  {line}")
        else:
            self.stdout.write("The demo organization is already loaded; nothing to do.")
        for line in sign_in_lines():
            self.stdout.write(line)

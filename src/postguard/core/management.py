"""The base of Postguard's management commands: an acting user, precise errors, no stack traces.

Every command acts as someone: `--as EMAIL` (a team member, checked by `can()` like in the web
app), or, without it, the system actor (the local operator; see docs/permissions.md). Every
event the command records is grouped under one request id with device "cli".

Exit codes: 0 done, 1 unexpected failure (one line, no stack trace; --traceback shows it),
2 bad input (the message says what, where and what is accepted), 3 permission denied.
"""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from postguard.core.actors import SYSTEM, Actor, actor_name

EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2
EXIT_DENIED = 3


class BadInput(CommandError):  # noqa: N818 - reads as what it is: `raise BadInput(...)`
    def __init__(self, message: str) -> None:
        super().__init__(message, returncode=EXIT_BAD_INPUT)


def _bad_input_types() -> tuple[type[BaseException], ...]:
    from postguard.policy.loader import PolicyError
    from postguard.policy.versions import PolicyVersionError
    from postguard.registry.services import RegistryError
    from postguard.settings.env import SettingError
    from postguard.vetting.directory import DirectoryError

    return (RegistryError, PolicyVersionError, PolicyError, DirectoryError, SettingError)


class ActorCommand(BaseCommand):
    """Subclasses implement `act(actor, **options)`; `self.actor` is who acts."""

    actor: Actor = SYSTEM

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> Any:
        # `postguard import-directory`, not `manage.py import_directory`.
        return super().create_parser("postguard", subcommand.replace("_", "-"), **kwargs)

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help="act as this team member (checked like in the web app); "
            "without it you act as the system actor, the local operator",
        )
        self.add_command_arguments(parser)

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        """Subclasses add their own arguments here."""

    def execute(self, *args: Any, **options: Any) -> Any:
        try:
            return super().execute(*args, **options)
        except CommandError as error:
            if options.get("traceback"):
                raise
            self._fail(str(error), error.returncode)
        except PermissionDenied as error:
            if options.get("traceback"):
                raise
            self._fail(f"permission denied: {error}", EXIT_DENIED)
        except _bad_input_types() as error:
            if options.get("traceback"):
                raise
            self._fail(str(error), EXIT_BAD_INPUT)
        except Exception as error:
            if options.get("traceback"):
                raise
            self._fail(
                f"unexpected {type(error).__name__}: {error} (run again with --traceback for "
                "details)",
                EXIT_UNEXPECTED,
            )
        return None

    def _fail(self, message: str, code: int) -> None:
        self.stderr.write(f"{self._name()}: error: {message}")
        sys.exit(code)

    def _name(self) -> str:
        return f"postguard {self.__module__.rsplit('.', 1)[-1].replace('_', '-')}"

    def handle(self, *args: Any, **options: Any) -> None:
        from postguard.audit.log import audit_context

        self.actor = resolve_actor(options.get("as_email"))
        with audit_context(actor_name=actor_name(self.actor), device="cli"):
            self.act(self.actor, **options)

    def act(self, actor: Actor, **options: Any) -> None:
        raise NotImplementedError


def resolve_actor(email: str | None) -> Actor:
    if email is None:
        return SYSTEM
    from postguard.core.models import User

    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise BadInput(f"--as {email}: no user has this email")
    if not user.is_active:
        raise BadInput(f"--as {email}: this user is deactivated (offboarded)")
    return user

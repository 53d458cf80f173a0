"""postguard account-connect ACCOUNT --service-url URL [--login HANDLE] [--secret-file FILE]"""

from __future__ import annotations

import getpass
import sys
from argparse import SUPPRESS, ArgumentParser
from pathlib import Path
from typing import Any

from postguard.connectors.credentials import Secret
from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.publishing.connections import ConnectError, connect
from postguard.registry.management.commands._common import find_account

# Options someone might try for the secret itself: refused, because the command line of a
# running process is visible to every user of the machine (ps, /proc/PID/cmdline).
REFUSED_SECRET_OPTIONS = ("--secret", "--password", "--app-password", "--token")


def _refused(option: str) -> str:
    return "refused_" + option.removeprefix("--").replace("-", "_")


class Command(ActorCommand):
    help = (
        "Connect a platform account so Postguard can publish to it: the app password (Bluesky) "
        "or access token (Mastodon) is read from --secret-file, or from standard input (typed "
        "without echo at a terminal), checked with the platform and stored encrypted. Never "
        "give it on the command line. Audited (without the secret)."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("account", metavar="ACCOUNT", help="id or PLATFORM:HANDLE")
        parser.add_argument(
            "--service-url",
            required=True,
            metavar="URL",
            help="Bluesky: the PDS, e.g. https://bsky.social; Mastodon: the instance URL",
        )
        parser.add_argument(
            "--login", default="", metavar="HANDLE", help="Bluesky: the handle (Mastodon: none)"
        )
        parser.add_argument(
            "--secret-file",
            metavar="FILE",
            help="a file holding the app password or token ('-' or omitted: standard input)",
        )
        for option in REFUSED_SECRET_OPTIONS:
            parser.add_argument(option, dest=_refused(option), help=SUPPRESS)

    def act(self, actor: Actor, **options: Any) -> None:
        for option in REFUSED_SECRET_OPTIONS:
            if options.get(_refused(option)) is not None:
                raise BadInput(
                    f"{option}: a secret on the command line is visible to every user of this "
                    "machine (ps, /proc); put it in a file readable only by you and pass "
                    "--secret-file FILE, or pipe it on standard input"
                )
        try:
            account = find_account(options["account"])
        except BadInput as error:
            raise BadInput(str(error).replace("--account ", "ACCOUNT ", 1)) from None
        service_url = options["service_url"].strip()
        if not service_url.startswith(("https://", "http://")):
            raise BadInput(
                f"--service-url {service_url!r}: give the server's address with https://, "
                "e.g. https://bsky.social"
            )
        login = options["login"].strip().lstrip("@")
        if account.platform == "bluesky" and not login:
            raise BadInput(
                "--login: give the Bluesky handle the app password belongs to, "
                "e.g. --login county.bsky.social"
            )
        secret = self._read_secret(options["secret_file"])
        try:
            connection = connect(
                account, service_url=service_url, login=login, secret=secret, actor=actor
            )
        except ConnectError as error:
            raise BadInput(str(error)) from None
        who = connection.remote_handle or connection.remote_id
        self.stdout.write(
            f"[{account.pk}] {account}: connected as @{who} ({connection.remote_id}) "
            f"on {connection.service_url}; the credential is stored encrypted"
        )

    def _read_secret(self, path: str | None) -> Secret:
        if path is not None and path != "-":
            file = Path(path)
            try:
                text = file.read_text(encoding="utf-8")
            except FileNotFoundError:
                raise BadInput(f"--secret-file {path}: no such file") from None
            except (OSError, UnicodeDecodeError) as error:
                raise BadInput(f"--secret-file {path}: cannot read it ({error})") from None
            where = f"--secret-file {path}"
        elif sys.stdin.isatty():
            text = getpass.getpass("App password or access token (not shown): ")
            where = "the prompt"
        else:
            text = sys.stdin.read()
            where = "standard input"
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if len(lines) != 1:
            raise BadInput(
                f"{where}: expected the app password or token on one line, found "
                f"{len(lines)} non-empty lines"
            )
        return Secret(lines[0])

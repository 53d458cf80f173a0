"""postguard demo-serve [--bind HOST:PORT] [--pds-port N] [--plc-port N] [--no-bluesky]"""

from __future__ import annotations

import signal
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management import call_command

from postguard.core.actors import Actor
from postguard.core.management import ActorCommand, BadInput
from postguard.publishing import demo_bluesky
from postguard.publishing.connections import ConnectError
from postguard.registry.demo import ACCOUNTS, is_demo_installed
from postguard.registry.models import PlatformAccount
from postguard.settings.credentials import VARIABLE

RULE = "-" * 78


def _exit_on_signal(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


class Command(ActorCommand):
    help = (
        "DEVELOPMENT ONLY. Serve the demo (like `postguard serve`) with a local Bluesky: starts "
        "the reference PDS on 127.0.0.1 (installed by `make servers`), connects the demo's "
        "Bluesky account to riverbend.test on it, and stops the PDS when the server stops. "
        "Without a configured credentials key it generates one into the data directory. "
        "If the PDS is not installed, serves anyway and says why local Bluesky is off."
    )

    def add_command_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", metavar="HOST:PORT", help="as for `postguard serve`")
        parser.add_argument("--threads", type=int, default=8, help="as for `postguard serve`")
        parser.add_argument(
            "--pds-port",
            type=int,
            default=demo_bluesky.DEFAULT_PDS_PORT,
            help=f"the local PDS's port (default {demo_bluesky.DEFAULT_PDS_PORT})",
        )
        parser.add_argument(
            "--plc-port",
            type=int,
            default=demo_bluesky.DEFAULT_PLC_PORT,
            help=f"its did:plc directory's port (default {demo_bluesky.DEFAULT_PLC_PORT})",
        )
        parser.add_argument(
            "--no-bluesky", action="store_true", help="serve without the local Bluesky"
        )

    def act(self, actor: Actor, **options: Any) -> None:
        if options.get("as_email"):
            raise BadInput("the demo is served by the system actor; run it without --as")
        if getattr(settings, "PRODUCTION", False):
            raise BadInput(
                "demo-serve is for development only (it turns on loopback connections and may "
                "generate a credentials key); in production run `postguard serve`"
            )
        if not is_demo_installed():
            raise BadInput("the demo organization is not loaded; run `postguard demo` first")
        for name in ("pds_port", "plc_port"):
            if not 1024 <= options[name] <= 65535:
                raise BadInput(f"--{name.replace('_', '-')}: use a port from 1024 to 65535")
        local = None
        if options["no_bluesky"]:
            self._say(["Local Bluesky is off (--no-bluesky): posts cannot be published."])
        else:
            local = self._start_bluesky(options["pds_port"], options["plc_port"])
        # Stop the PDS however the server stops: Ctrl+C, `kill PID`, the terminal closing.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _exit_on_signal)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            serve: dict[str, Any] = {"threads": options["threads"]}
            if options["bind"]:
                serve["bind"] = options["bind"]
            call_command("serve", stdout=self.stdout, stderr=self.stderr, **serve)
        finally:
            if local is not None:
                local.stop()
                self.stdout.write("Local Bluesky PDS stopped.")

    def _start_bluesky(self, port: int, plc_port: int) -> demo_bluesky.LocalBluesky | None:
        data_dir = Path(settings.DATA_DIR)
        reason = demo_bluesky.missing()
        if reason is not None:
            self._say(
                [
                    "Local Bluesky is OFF: " + reason,
                    "Everything else works; posts can be approved and scheduled but not "
                    "published until an account is connected.",
                ]
            )
            return None
        key_file = demo_bluesky.ensure_credentials_key(data_dir)
        self.stdout.write("Starting the local Bluesky PDS (development only)...")
        self.stdout.flush()
        try:
            local = demo_bluesky.LocalBluesky.start(data_dir / "pds", port=port, plc_port=plc_port)
        except demo_bluesky.LocalBlueskyError as error:
            self._say([f"Local Bluesky is OFF: {error}"])
            return None
        # The demo's accounts live on loopback; this process only (never in production).
        settings.PLATFORM_ALLOW_LOOPBACK = True
        account = PlatformAccount.objects.filter(
            platform="bluesky", handle=ACCOUNTS["bluesky"]["handle"]
        ).first()
        try:
            if account is None:
                raise demo_bluesky.LocalBlueskyError(
                    "the demo's Bluesky account is missing; run `postguard demo` again"
                )
            connection, made = demo_bluesky.connect_demo_account(account, local.url, local.data_dir)
        except (demo_bluesky.LocalBlueskyError, ConnectError, httpx.HTTPError, OSError) as error:
            local.stop()
            self._say([f"Local Bluesky is OFF: the demo account could not be connected: {error}"])
            return None
        lines = [
            f"Local Bluesky (development only): a PDS at {local.url}, data in {local.data_dir}",
            f"  {account} is {'now ' if made else ''}connected as @{connection.remote_handle} "
            f"({connection.remote_id})",
            "  Published posts (JSON; the PDS has no web pages):",
            f"    {demo_bluesky.posts_url(local.url, connection.remote_handle)}",
            "  To submit, approve and schedule, enroll this browser first: sign in as the lead "
            "(lucia.lane), Devices → Enroll this browser.",
        ]
        if key_file:
            lines.append(
                f"  WARNING: no {VARIABLE} is set, so platform credentials are encrypted with "
                f"a development key kept in {key_file}. Production must set its own key."
            )
        self._say(lines)
        return local

    def _say(self, lines: list[str]) -> None:
        self.stdout.write(RULE)
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(RULE)
        self.stdout.flush()

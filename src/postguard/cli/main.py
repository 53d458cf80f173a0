"""The one entry point, `postguard`.

Commands that must start fast and work without a database (vet, strip, policy) are plain Python
modules here and never import Django; every other command is a Django management command
(the product's own, such as `import-directory` and `audit`, and Django's, such as `migrate`).
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence

# command -> (module with a `run(argv) -> int`, one line of help)
PURE_COMMANDS: dict[str, tuple[str, str]] = {
    "vet": ("postguard.cli.vet", "vet a post (text, images) against the policy"),
    "strip": ("postguard.cli.strip", "write a copy of an image with its metadata removed"),
    "policy": ("postguard.cli.policy", "write a starter policy or check a policy file"),
}

DJANGO_SETTINGS = "postguard.settings.site"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or (args[0] in {"-h", "--help", "help"} and len(args) == 1):
        _print_overview()
        return 0
    command = args[0]
    if command in PURE_COMMANDS:
        module = importlib.import_module(PURE_COMMANDS[command][0])
        status: int = module.run(args[1:])
        return status
    # Product commands are spelled with hyphens (import-directory); their modules use underscores.
    return _django([command.replace("-", "_"), *args[1:]])


def _django(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DJANGO_SETTINGS)
    from postguard.cli.django_commands import run_management_command
    from postguard.settings.env import SettingError

    try:
        return run_management_command(args)
    except SettingError as error:
        # A bad environment variable: say which and what would do, without a stack trace.
        print(f"postguard: configuration error: {error}", file=sys.stderr)
        return 2


def _print_overview() -> None:
    print("usage: postguard COMMAND [options]   (postguard COMMAND --help for each)\n")
    print("Vetting and policy (no database needed):")
    for name, (_, help_text) in PURE_COMMANDS.items():
        print(f"  {name:<18} {help_text}")
    print("\nEverything else runs inside the app (database, settings): `postguard help-all`")
    print("lists every command, Postguard's and Django's (migrate, createsuperuser, ...).")


if __name__ == "__main__":
    sys.exit(main())

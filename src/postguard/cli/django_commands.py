"""Runs Django's management commands (Postguard's own and Django's) behind `postguard`."""

from __future__ import annotations

from django.core.management import ManagementUtility


def run_management_command(args: list[str]) -> int:
    if args == ["help-all"]:
        args = ["help"]
    utility = ManagementUtility(["postguard", *args])
    utility.prog_name = "postguard"
    try:
        utility.execute()
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 1
    return 0

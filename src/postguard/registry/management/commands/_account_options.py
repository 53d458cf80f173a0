"""The platform-account options `account-add` and `account-change` share."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from postguard.policy.schema import Role
from postguard.registry.management.commands._common import parse_date
from postguard.registry.models import PlatformAccount
from postguard.registry.services import person_by_email

TEXT_OPTIONS = ("url", "login_email", "recovery_email", "recovery_phone")


def add_account_options(parser: ArgumentParser) -> None:
    parser.add_argument("--url", help="the account's public page")
    parser.add_argument("--login-email", help="the address the platform signs in with")
    parser.add_argument("--recovery-email", help="the platform's recovery address")
    parser.add_argument("--recovery-phone", help="the platform's recovery phone")
    parser.add_argument(
        "--keeper-role",
        choices=[r.value for r in Role],
        help="the role that keeps the credentials (the policy's credentials.keeper)",
    )
    parser.add_argument("--keeper", metavar="EMAIL", help="the team member who keeps them")
    parser.add_argument(
        "--mfa-method",
        choices=PlatformAccount.Mfa.values,
        help="how the account's own sign-in is protected (sms and none are findings)",
    )
    parser.add_argument("--last-rotation", metavar="YYYY-MM-DD", help="when it was last changed")


def account_values(options: dict[str, Any]) -> dict[str, Any]:
    """The fields the options set (only those given), ready for the registry services."""
    values: dict[str, Any] = {
        name: options[name] for name in TEXT_OPTIONS if options.get(name) is not None
    }
    if options.get("keeper_role"):
        values["keeper_role"] = options["keeper_role"]
    if options.get("mfa_method"):
        values["mfa_method"] = options["mfa_method"]
    if options.get("keeper"):
        values["keeper"] = person_by_email(options["keeper"])
    if options.get("last_rotation"):
        values["last_rotation"] = parse_date("--last-rotation", options["last_rotation"])
    return values

"""`postguard policy init [PATH]` writes a commented starter policy; `policy check FILE` checks one.

Pure Python: never imports Django. Exit codes: 0 done / valid, 1 refused (the file exists),
2 invalid policy or bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from pathlib import Path

from postguard.policy.loader import PolicyError, load_policy, load_policy_text
from postguard.policy.schema import Policy
from postguard.policy.starter import DEFAULT_DOMAIN, DEFAULT_ORGANIZATION, starter_policy
from postguard.settings.env import SettingError
from postguard.settings.policy import policy_max_bytes

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_INVALID = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postguard policy",
        description="Write a starter policy or check a policy file.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{init,check}", required=True)
    init = commands.add_parser(
        "init",
        help="write a commented starter policy",
        description="Write a commented starter policy that encodes the MS-ISAC guidance.",
    )
    init.add_argument(
        "path",
        nargs="?",
        default="policy.yaml",
        help="where to write it (default: policy.yaml; '-' for standard output)",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument(
        "--organization", default=DEFAULT_ORGANIZATION, help="the organization's name"
    )
    init.add_argument(
        "--domain", default=DEFAULT_DOMAIN, help="the organization's main domain (example.gov)"
    )
    check = commands.add_parser(
        "check",
        help="check a policy file",
        description="Print every error with its line and column, or a summary if it is valid.",
    )
    check.add_argument("path", help="the policy file")
    return parser


def run(argv: Sequence[str]) -> int:
    parser = _parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else EXIT_INVALID
    if args.command == "init":
        return _init(
            args.path, force=args.force, organization=args.organization, domain=args.domain
        )
    return _check(args.path)


def _init(path: str, *, force: bool, organization: str, domain: str) -> int:
    text = starter_policy(organization, domain)
    try:
        load_policy_text(text, source="starter policy")
    except PolicyError as exc:
        print(f"postguard policy init: cannot write the policy:\n{exc}", file=sys.stderr)
        return EXIT_INVALID
    if path == "-":
        sys.stdout.write(text)
        return EXIT_OK
    target = Path(path)
    if target.is_dir():
        print(f"postguard policy init: {path} is a directory; give a file name", file=sys.stderr)
        return EXIT_INVALID
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if force else os.O_EXCL)
    try:
        descriptor = os.open(target, flags, 0o644)
    except FileExistsError:
        print(
            f"postguard policy init: {path} already exists; not overwritten "
            "(use --force to replace it, or give another path)",
            file=sys.stderr,
        )
        return EXIT_REFUSED
    except OSError as exc:
        print(f"postguard policy init: cannot write {path}: {exc.strerror}", file=sys.stderr)
        return EXIT_INVALID
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(f"Wrote a starter policy to {path}. Edit it, then: postguard policy check {path}")
    return EXIT_OK


def known_rule_ids() -> frozenset[str]:
    """Every rule id the vetting engine can report, read from the rule classes' `ids`.

    Imports the rule modules only (pure Python, no models loaded), never Django.
    """
    from postguard.vetting.rules import base

    package = importlib.import_module("postguard.vetting.rules")
    for module in pkgutil.iter_modules(package.__path__):
        if not module.name.startswith("_") and module.name not in {"base", "registry"}:
            importlib.import_module(f"{package.__name__}.{module.name}")
    ids: set[str] = set()
    pending: list[type] = [base.Rule]
    while pending:
        for subclass in pending.pop().__subclasses__():
            ids.update(getattr(subclass, "ids", {}))
            pending.append(subclass)
    return frozenset(ids)


def _check(path: str) -> int:
    try:
        max_bytes = policy_max_bytes()
    except SettingError as exc:
        print(f"postguard policy check: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        policy = load_policy(path, max_bytes=max_bytes, rule_ids=known_rule_ids())
    except PolicyError as exc:
        count = len(exc.errors)
        print(exc)
        print(f"{path}: {count} error{'s' if count != 1 else ''}; the policy is not valid")
        return EXIT_INVALID
    print(f"{path}: valid")
    for line in summary(policy):
        print(f"  {line}")
    return EXIT_OK


def summary(policy: Policy) -> list[str]:
    """A few lines saying what the policy decides."""
    steps = "; then ".join(
        f"{step.name}: {step.count} of {'/'.join(step.roles)} ({step.mode})"
        for step in policy.approvals.steps
    )
    credentials = policy.credentials
    mfa = (
        f"MFA required ({', '.join(credentials.mfa_methods_allowed)})"
        if credentials.mfa_required
        else "MFA not required"
    )
    rules = ", ".join(f"{rule}={setting}" for rule, setting in sorted(policy.rules.items()))
    return [
        f"organization: {policy.organization}",
        f"domains: {', '.join(policy.domains)}",
        f"approvals: {steps}; approvals expire after {policy.approvals.max_age_hours} h",
        f"devices: unenrolled may {', '.join(policy.devices.unenrolled_may) or 'nothing'}; "
        f"personal may {', '.join(policy.devices.personal_devices_may) or 'nothing'}",
        f"credentials: kept by {credentials.keeper}, rotated every "
        f"{credentials.rotation_days} days, {mfa}",
        f"review: every {policy.review.cadence_days} days by "
        f"{', '.join(policy.review.reviewers)}; undecided access is {policy.review.undecided}d",
        f"rules overridden: {rules or 'none (defaults)'}",
    ]

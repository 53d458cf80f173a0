"""Account posture: the seed's credential checklist as findings, and a score per account.

`account_posture(facts, policy, today)` is pure (no database): it looks at one account's facts
and the active policy. `facts_for(account)` gathers those facts from the database.

Scoring. Every account starts at 100 and loses points per finding by severity (critical 40,
high 25, medium 10, low 5), never below 0. The organization's score is the mean of its
accounts' scores, rounded down, so one neglected account pulls the whole team's number down in
proportion to its share; it is None when there are no accounts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from postguard.policy.schema import Policy

if TYPE_CHECKING:
    from postguard.registry.models import PlatformAccount

Severity = Literal["critical", "high", "medium", "low"]
PENALTY: dict[Severity, int] = {"critical": 40, "high": 25, "medium": 10, "low": 5}
SEVERITY_ORDER: dict[Severity, int] = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What posture needs to know about one account, independent of the database."""

    label: str
    login_email: str = ""
    recovery_email: str = ""
    recovery_phone: str = ""
    mfa_method: str = "none"
    last_rotation: dt.date | None = None
    needs_rotation: bool = False
    rotation_reason: str = ""
    has_keeper: bool = False
    keeper_active: bool = False
    keeper_roles: frozenset[str] = frozenset()
    keeper_name: str = ""
    privacy_checklist: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PostureFinding:
    id: str
    severity: Severity
    field: str
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class AccountPosture:
    label: str
    findings: tuple[PostureFinding, ...]

    @property
    def score(self) -> int:
        return max(0, 100 - sum(PENALTY[f.severity] for f in self.findings))


def _domain_of(address: str) -> str:
    return address.rpartition("@")[2].lower().rstrip(".")


def _on_org_domain(address: str, policy: Policy) -> bool:
    domain = _domain_of(address)
    return any(domain == d or domain.endswith("." + d) for d in policy.domains)


def _digits(phone: str) -> str:
    return re.sub(r"\D", "", phone)


def _org_phones(policy: Policy) -> set[str]:
    contacts = policy.public_contacts
    numbers = [*contacts.phones, *([contacts.main_phone] if contacts.main_phone else [])]
    return {_digits(n)[-10:] for n in numbers if _digits(n)}


def account_posture(facts: AccountFacts, policy: Policy, today: dt.date) -> AccountPosture:
    findings: list[PostureFinding] = []

    def add(id_: str, severity: Severity, field_: str, message: str, fix: str) -> None:
        findings.append(PostureFinding(id_, severity, field_, message, fix))

    role_list = ", ".join(
        a if "@" in a else f"{a}@{policy.domains[0]}" for a in policy.role_addresses
    )
    login = facts.login_email.strip()
    if not login:
        add(
            "login_email.missing",
            "medium",
            "login_email",
            "no login email is recorded, so nobody can tell who can reset this account",
            f"record the account's login email (a role address such as {role_list})",
        )
    elif not _on_org_domain(login, policy):
        add(
            "login_email.off_domain",
            "high",
            "login_email",
            f"the login email {login} is not on an organization domain "
            f"({', '.join(policy.domains)}): whoever owns that mailbox can take the account",
            f"change the login to a role address such as {role_list}",
        )
    elif not policy.is_role_address(login):
        add(
            "login_email.personal",
            "high",
            "login_email",
            f"the login email {login} is a personal address, not a role address; it ties the "
            "account to one person and reveals the email naming scheme",
            f"change the login to a role address such as {role_list}",
        )

    recovery = facts.recovery_email.strip()
    if recovery and not (_on_org_domain(recovery, policy) and policy.is_role_address(recovery)):
        add(
            "recovery_email.personal",
            "high",
            "recovery_email",
            f"the recovery email {recovery} is not a role address on an organization domain",
            f"use a role address such as {role_list} for recovery",
        )

    phone = facts.recovery_phone.strip()
    if phone and _digits(phone)[-10:] not in _org_phones(policy):
        add(
            "recovery_phone.personal",
            "high",
            "recovery_phone",
            f"the recovery phone {phone} is not one of the organization's numbers in the policy "
            "(public_contacts): a personal phone leaves with its owner",
            "use an organization number and list it under public_contacts.phones in the policy",
        )

    allowed = policy.credentials.mfa_methods_allowed
    if facts.mfa_method == "none":
        if policy.credentials.mfa_required:
            add(
                "mfa.off",
                "critical",
                "mfa_method",
                "multi-factor authentication is off: a leaked password is enough to take over",
                "turn on MFA with an authenticator app or a hardware key",
            )
    elif facts.mfa_method not in allowed:
        label = "SMS" if facts.mfa_method == "sms" else facts.mfa_method
        add(
            f"mfa.{facts.mfa_method}",
            "high",
            "mfa_method",
            f"MFA uses {label}, which the policy does not allow (allowed: {', '.join(allowed)})"
            + ("; SMS codes can be stolen by SIM swapping" if facts.mfa_method == "sms" else ""),
            "switch MFA to an authenticator app or a hardware key",
        )

    days = policy.credentials.rotation_days
    if facts.needs_rotation:
        reason = f": {facts.rotation_reason}" if facts.rotation_reason else ""
        add(
            "rotation.flagged",
            "high",
            "needs_rotation",
            f"the credentials are flagged for rotation{reason}",
            "change the password (and revoke app tokens), then record the rotation",
        )
    if facts.last_rotation is None:
        add(
            "rotation.unknown",
            "medium",
            "last_rotation",
            "no credential rotation has been recorded",
            f"rotate the password and record the date; the policy asks every {days} days",
        )
    else:
        age = (today - facts.last_rotation).days
        if age > days:
            add(
                "rotation.overdue",
                "high",
                "last_rotation",
                f"the credentials were last rotated {age} days ago "
                f"({facts.last_rotation.isoformat()}); the policy asks every {days} days",
                "rotate the password and record the rotation",
            )

    keeper_role = policy.credentials.keeper.value
    if not facts.has_keeper or not facts.keeper_active:
        gone = facts.has_keeper and not facts.keeper_active
        add(
            "keeper.none",
            "high",
            "keeper",
            f"the keeper {facts.keeper_name} has been offboarded; nobody keeps these credentials"
            if gone
            else "nobody is named as the keeper of these credentials",
            f"name a keeper who holds the {keeper_role} role (policy credentials.keeper)",
        )
    elif keeper_role not in facts.keeper_roles:
        add(
            "keeper.wrong_role",
            "medium",
            "keeper",
            f"the keeper {facts.keeper_name} does not hold the {keeper_role} role that the "
            "policy names as keeper",
            f"grant {keeper_role} to the keeper or name a keeper who holds it",
        )

    unchecked = sorted(item for item, done in facts.privacy_checklist.items() if not done)
    if unchecked:
        add(
            "privacy.unchecked",
            "low",
            "privacy_checklist",
            f"privacy settings not yet reviewed: {', '.join(unchecked)}",
            "review these settings on the platform and tick them off",
        )

    findings.sort(key=lambda f: (SEVERITY_ORDER[f.severity], f.id))
    return AccountPosture(label=facts.label, findings=tuple(findings))


def organization_score(postures: Iterable[AccountPosture]) -> int | None:
    scores = [p.score for p in postures]
    return sum(scores) // len(scores) if scores else None


def facts_for(account: PlatformAccount) -> AccountFacts:
    """Gather an account's facts from the database (keeper status and roles included)."""
    from postguard.core.permissions import held_roles

    keeper = account.keeper
    roles: frozenset[str] = frozenset()
    if keeper is not None and keeper.is_active:
        roles = frozenset(
            role
            for role, account_id in held_roles(keeper.user)
            if account_id is None or account_id == account.pk
        )
    checklist = account.privacy_checklist if isinstance(account.privacy_checklist, dict) else {}
    return AccountFacts(
        label=str(account),
        login_email=account.login_email,
        recovery_email=account.recovery_email,
        recovery_phone=account.recovery_phone,
        mfa_method=account.mfa_method,
        last_rotation=account.last_rotation,
        needs_rotation=account.needs_rotation,
        rotation_reason=account.rotation_reason,
        has_keeper=keeper is not None,
        keeper_active=keeper is not None and keeper.is_active and keeper.user.is_active,
        keeper_roles=roles,
        keeper_name=str(keeper) if keeper is not None else "",
        privacy_checklist={str(k): bool(v) for k, v in checklist.items()},
    )


def posture_for(
    account: PlatformAccount, policy: Policy, today: dt.date | None = None
) -> AccountPosture:
    from django.utils import timezone

    return account_posture(facts_for(account), policy, today or timezone.localdate())

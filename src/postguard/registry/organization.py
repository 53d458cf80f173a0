"""The organization as the registry shows it: read from the active policy, its one source of truth.

Name, domains, role addresses and public contacts are policy keys (`organization`, `domains`,
`role_addresses`, `public_contacts`), so changing them is a policy change: proposed, diffed,
approved by a lead and audited. Nothing here is stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from postguard.policy.schema import Policy, PublicContacts


@dataclass(frozen=True, slots=True)
class Organization:
    name: str
    domains: tuple[str, ...]
    role_addresses: tuple[str, ...]
    public_contacts: PublicContacts
    policy_version: int | None = None

    @classmethod
    def from_policy(cls, policy: Policy, version: int | None = None) -> Organization:
        return cls(
            name=policy.organization,
            domains=policy.domains,
            role_addresses=tuple(_full_address(a, policy.domains) for a in policy.role_addresses),
            public_contacts=policy.public_contacts,
            policy_version=version,
        )


def _full_address(address: str, domains: tuple[str, ...]) -> str:
    """Role addresses may be local parts ("social"); show them on the first domain."""
    return address if "@" in address else f"{address}@{domains[0]}"


def current_organization() -> Organization | None:
    """The organization per the active policy, or None before a policy is installed."""
    from postguard.policy.versions import active_policy, active_version

    policy = active_policy()
    if policy is None:
        return None
    version = active_version()
    return Organization.from_policy(policy, version.number if version else None)

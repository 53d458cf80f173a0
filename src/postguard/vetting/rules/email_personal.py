"""email.personal_address and email.scheme_inferable: a person's own mailbox at the organization.

A personal address at an organization domain exposes the person and, once two of them have been
published, the naming scheme that lets anyone guess every colleague's address (useful to
phishers). The history of published addresses is kept in `ctx.history` (batch mode).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._contacts import public_contacts
from postguard.vetting.rules._text import emails, under
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.pii_email import COMMON_ROLE_LOCAL_PARTS

_NAME_PAIR = re.compile(r"\b([A-ZÀ-Ý][\w'’-]+)\s+(?:[A-Z]\.?\s+)?([A-ZÀ-Ý][\w'’-]+)")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isalnum() and c.isascii())


def scheme_from_name(local: str, first: str, last: str) -> str | None:
    """The naming scheme that turns (first, last) into the local part, if one does."""
    local = local.lower()
    f, la = _fold(first), _fold(last)
    if not f or not la:
        return None
    candidates = {
        f"{f}.{la}": "first.last",
        f"{f}_{la}": "first_last",
        f"{f}-{la}": "first-last",
        f"{f}{la}": "firstlast",
        f"{f[0]}{la}": "flast",
        f"{f[0]}.{la}": "f.last",
        f"{f}{la[0]}": "firstl",
        f"{f}.{la[0]}": "first.l",
        f"{la}.{f}": "last.first",
        f"{la}{f[0]}": "lastf",
        f"{la}{f}": "lastfirst",
        f: "first",
        la: "last",
    }
    base = re.sub(r"\d+$", "", local)
    return candidates.get(base)


def scheme_from_shape(local: str) -> str:
    base = re.sub(r"\d+$", "", local.lower())
    for sep, name in ((".", "."), ("_", "_"), ("-", "-")):
        if sep in base:
            head, _, tail = base.partition(sep)
            first = "f" if len(head) == 1 else "first"
            last = "l" if len(tail) == 1 else "last"
            return f"{first}{name}{last}"
    return "a single word (such as flast or firstl)"


class PersonalAddressRule(Rule):
    ids: ClassVar = {
        "email.personal_address": Severity.BLOCK,
        "email.scheme_inferable": Severity.BLOCK,
    }

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        found = emails(post.text)
        if not found:
            return
        contacts = public_contacts(ctx)
        new_by_domain: dict[str, list[tuple[int, int, str]]] = {}
        for start, end, local, domain in found:
            address = post.text[start:end]
            if not under(domain, ctx.policy.domains):
                continue
            if ctx.policy.is_role_address(address) or contacts.is_email(address):
                continue
            if local.lower() in COMMON_ROLE_LOCAL_PARTS:
                continue  # events@, support@: a function, not a person
            yield Hit(
                rule="email.personal_address",
                start=start,
                end=end,
                message=(
                    f"{address} is a personal address at the organization's domain {domain}: "
                    "it exposes the person and the way the organization names its mailboxes."
                ),
                suggestion=f"Use a role address instead, such as {self._role_for(ctx, domain)}.",
                evidence={"domain": domain},
            )
            if ctx.history is not None:
                seen = ctx.history.personal_addresses.setdefault(domain, set())
                if address.lower() not in seen:
                    seen.add(address.lower())
                    new_by_domain.setdefault(domain, []).append((start, end, local))
        if ctx.history is None:
            return
        for domain, new in new_by_domain.items():
            seen = ctx.history.personal_addresses[domain]
            if len(seen) < 2:
                continue
            scheme = self._scheme(sorted(seen), post, ctx)
            others = ", ".join(sorted(seen))
            role = self._role_for(ctx, domain)
            for start, end, _local in new:
                yield Hit(
                    rule="email.scheme_inferable",
                    start=start,
                    end=end,
                    message=(
                        f"{len(seen)} personal addresses at {domain} have now been published "
                        f"({others}): together they reveal the {scheme} naming scheme, so anyone "
                        "can guess every colleague's address."
                    ),
                    suggestion=f"Use a role address instead, such as {role}.",
                    evidence={"domain": domain, "scheme": scheme, "addresses": sorted(seen)},
                )

    @staticmethod
    def _role_for(ctx: VettingContext, domain: str) -> str:
        roles = ctx.policy.role_addresses
        for role in roles:
            if "@" in role and role.endswith("@" + domain):
                return role
        for role in roles:
            if "@" not in role:
                return f"{role}@{domain}"
        return roles[0] if roles else f"social@{domain}"

    @staticmethod
    def _scheme(addresses: list[str], post: Post, ctx: VettingContext) -> str:
        names: list[tuple[str, str]] = []
        by_email = {e.email.lower(): e for e in ctx.directory if e.email}
        for employee in ctx.directory:
            parts = employee.name.split()
            if len(parts) >= 2:
                names.append((parts[0], parts[-1]))
        names.extend((m.group(1), m.group(2)) for m in _NAME_PAIR.finditer(post.text[:5000]))
        schemes: list[str] = []
        for address in addresses:
            local = address.split("@", 1)[0]
            scheme = None
            owner = by_email.get(address)
            if owner is not None and len(owner.name.split()) >= 2:
                parts = owner.name.split()
                scheme = scheme_from_name(local, parts[0], parts[-1])
            if scheme is None:
                for first, last in names:
                    scheme = scheme_from_name(local, first, last)
                    if scheme is not None:
                        break
            schemes.append(scheme or scheme_from_shape(local))
        distinct = sorted(set(schemes), key=schemes.index)
        return distinct[0] if len(distinct) == 1 else " / ".join(distinct)

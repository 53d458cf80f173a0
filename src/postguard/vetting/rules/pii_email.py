"""pii.email: e-mail addresses of people outside the organization.

Addresses at the organization's own domains are judged by `email.personal_address` instead;
role addresses (the policy's, and common ones such as info@ or support@) and the published
contacts are never findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._contacts import public_contacts
from postguard.vetting.rules._text import emails, under
from postguard.vetting.rules.base import Rule

# Local parts that name a function, not a person, at any organization.
COMMON_ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "information", "support", "help", "helpdesk", "contact", "contactus", "hello",
        "press", "media", "news", "newsroom", "sales", "admin", "office", "noreply", "no-reply",
        "donotreply", "webmaster", "postmaster", "abuse", "security", "privacy", "team", "jobs",
        "careers", "hr", "billing", "service", "services", "customerservice", "enquiries",
        "inquiries", "feedback", "marketing", "social", "communications", "comms", "events",
        "register", "registration", "volunteer", "volunteers", "accessibility", "clerk",
        "records", "publicrecords", "foia", "permits", "parks", "library", "tickets", "orders",
        "accounts", "finance", "legal", "compliance", "recruiting", "hiring", "reception",
        "frontdesk", "mail", "email", "editor", "editors", "tips", "partners", "partnerships",
        "investors", "ir", "pr", "community", "questions", "ask", "answers", "bookings",
        "reservations", "mayor", "council", "board", "it", "dpo", "gdpr", "ayuda", "contacto",
        "prensa", "informacion", "soporte", "atencion", "ventas",
    }
)  # fmt: skip


class EmailRule(Rule):
    ids: ClassVar = {"pii.email": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        contacts = public_contacts(ctx)
        for start, end, local, domain in emails(post.text):
            address = post.text[start:end]
            if under(domain, ctx.policy.domains):
                continue  # email.personal_address decides about the organization's own domains
            if local.lower() in COMMON_ROLE_LOCAL_PARTS or ctx.policy.is_role_address(address):
                continue
            if contacts.is_email(address):
                continue
            yield Hit(
                rule="pii.email",
                start=start,
                end=end,
                message=f"A personal e-mail address ({address}): it identifies a person.",
                suggestion="Remove the address; ask the person to send a private message instead.",
            )

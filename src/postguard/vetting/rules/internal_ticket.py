"""internal.ticket: ticket ids in the policy's `ticket_pattern` (default INC-1234, REQ1234...)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule


class TicketRule(Rule):
    ids: ClassVar = {"internal.ticket": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        key = "internal.ticket"
        if key not in ctx.cache:
            source = ctx.policy.ticket_pattern
            ctx.cache[key] = re.compile(source) if source else None
        pattern: re.Pattern[str] | None = ctx.cache[key]
        if pattern is None:
            return
        for m in pattern.finditer(post.text):
            if m.end() == m.start():
                continue
            yield Hit(
                rule="internal.ticket",
                start=m.start(),
                end=m.end(),
                message=f"{m.group()} is an internal ticket id: it reveals internal systems.",
                suggestion="Remove the ticket id; refer to the issue in plain words.",
            )

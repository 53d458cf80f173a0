"""internal.codename: the policy's project code names, as whole words in any case."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._text import phrase_pattern
from postguard.vetting.rules.base import Rule


class CodenameRule(Rule):
    ids: ClassVar = {"internal.codename": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        key = "internal.codename"
        if key not in ctx.cache:
            ctx.cache[key] = phrase_pattern(ctx.policy.codenames)
        pattern: re.Pattern[str] | None = ctx.cache[key]
        if pattern is None:
            return
        for m in pattern.finditer(post.text):
            yield Hit(
                rule="internal.codename",
                start=m.start(),
                end=m.end(),
                message=f"“{m.group()}” is an internal code name listed in the policy.",
                suggestion="Remove the code name or use the project's public name.",
            )

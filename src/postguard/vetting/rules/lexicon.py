"""lexicon.blocked and lexicon.flagged: the policy's word lists.

Terms match as whole words or phrases in any case, never inside another word: a blocked "ass"
does not fire on "Assessor", nor "crap" on "scrap". A flagged term names its category (legal,
HR, ...) so the post goes to the right reviewer.
"""

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

_Compiled = tuple[re.Pattern[str] | None, re.Pattern[str] | None, dict[str, str]]


def _key(term: str) -> str:
    return " ".join(term.lower().split())


class LexiconRule(Rule):
    ids: ClassVar = {"lexicon.blocked": Severity.BLOCK, "lexicon.flagged": Severity.REVIEW}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        blocked, flagged, categories = self._compiled(ctx)
        taken: list[tuple[int, int]] = []
        if blocked is not None:
            for m in blocked.finditer(post.text):
                taken.append((m.start(), m.end()))
                yield Hit(
                    rule="lexicon.blocked",
                    start=m.start(),
                    end=m.end(),
                    message=f"“{m.group()}” is on the policy's list of blocked terms.",
                    suggestion="Remove or reword it.",
                )
        if flagged is not None:
            for m in flagged.finditer(post.text):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                category = categories.get(_key(m.group()), "review")
                yield Hit(
                    rule="lexicon.flagged",
                    start=m.start(),
                    end=m.end(),
                    message=f"“{m.group()}” is a flagged term (category: {category}).",
                    suggestion=f"Have {category} review the wording before it is published.",
                    evidence={"category": category},
                )

    @staticmethod
    def _compiled(ctx: VettingContext) -> _Compiled:
        cached = ctx.cache.get("lexicon")
        if cached is not None:
            result: _Compiled = cached
            return result
        lexicon = ctx.policy.lexicon
        categories: dict[str, str] = {}
        for category, terms in lexicon.flagged.items():
            for term in terms:
                categories.setdefault(_key(term), category)
        compiled: _Compiled = (
            phrase_pattern(lexicon.blocked),
            phrase_pattern(list(categories)),
            categories,
        )
        ctx.cache["lexicon"] = compiled
        return compiled

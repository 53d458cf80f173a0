"""pii.iban: international bank account numbers, with or without spaces, checked by mod 97."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

_CANDIDATE = re.compile(
    r"(?<![\w])[A-Za-z]{2}\d{2}(?:[ \-]?[A-Za-z0-9]{4}){2,7}(?:[ \-]?[A-Za-z0-9]{1,4})?(?![\w])"
)


class IbanRule(Rule):
    ids: ClassVar = {"pii.iban": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        from stdnum import iban

        for m in _CANDIDATE.finditer(post.text):
            candidate = m.group()
            end = m.end()
            compact = re.sub(r"[ \-]", "", candidate).upper()
            if not iban.is_valid(compact):
                # The optional last group may have swallowed a following word: retry without it.
                trimmed = re.sub(r"[ \-]?[A-Za-z0-9]{1,4}$", "", candidate)
                if trimmed == candidate or not iban.is_valid(re.sub(r"[ \-]", "", trimmed).upper()):
                    continue
                end = m.start() + len(trimmed)
            yield Hit(
                rule="pii.iban",
                start=m.start(),
                end=end,
                message="A bank account number (IBAN, its checksum is valid).",
                suggestion="Remove the account number; handle payment details in private.",
            )

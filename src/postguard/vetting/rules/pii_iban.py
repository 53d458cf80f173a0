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


def iban_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every valid IBAN in the text (the phone rule skips digits inside them)."""
    from stdnum import iban

    spans = []
    for m in _CANDIDATE.finditer(text):
        candidate = m.group()
        end = m.end()
        if not iban.is_valid(re.sub(r"[ \-]", "", candidate).upper()):
            # The optional last group may have swallowed a following word: retry without it.
            trimmed = re.sub(r"[ \-]?[A-Za-z0-9]{1,4}$", "", candidate)
            if trimmed == candidate or not iban.is_valid(re.sub(r"[ \-]", "", trimmed).upper()):
                continue
            end = m.start() + len(trimmed)
        spans.append((m.start(), end))
    return spans


class IbanRule(Rule):
    ids: ClassVar = {"pii.iban": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        for start, end in iban_spans(post.text):
            yield Hit(
                rule="pii.iban",
                start=start,
                end=end,
                message="A bank account number (IBAN, its checksum is valid).",
                suggestion="Remove the account number; handle payment details in private.",
            )

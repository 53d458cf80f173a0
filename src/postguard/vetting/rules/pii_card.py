"""pii.card: payment card numbers, 13 to 19 digits (12 for Maestro), Luhn-checked.

Spaces and hyphens between digit groups are allowed; a number must start like a real card
(Visa 4, Mastercard 2/5, Amex 3, Discover/UnionPay 6, JCB 1800/2131, Maestro) and pass the Luhn
check, so order numbers and timestamps of the same length are let through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule

_CANDIDATE = re.compile(r"(?<![\w\-.])\d(?:[ \-]?\d){11,18}(?![\w\-]|\.\d)")
_PREFIX = re.compile(r"^(?:[2-6]|1800|2131|0604)")
_MAESTRO_12 = re.compile(r"^(?:50|5[6-9]|6[0-9]|0604)")


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    if not 12 <= len(digits) <= 19 or len(set(digits)) == 1:
        return False
    if len(digits) == 12 and not _MAESTRO_12.match(digits):
        return False
    return bool(_PREFIX.match(digits)) and luhn_valid(digits)


class CardRule(Rule):
    ids: ClassVar = {"pii.card": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        for m in _CANDIDATE.finditer(post.text):
            candidate = m.group()
            separators = set(re.sub(r"\d", "", candidate))
            if len(separators) > 1:
                continue  # "1234-5678 9012" mixes separators: not how cards are written
            digits = re.sub(r"\D", "", candidate)
            if not is_card_number(digits):
                continue
            yield Hit(
                rule="pii.card",
                start=m.start(),
                end=m.end(),
                message="A payment card number (it passes the Luhn check).",
                suggestion="Remove the card number; never ask for or repeat one in public.",
                evidence={"last4": digits[-4:]},
            )

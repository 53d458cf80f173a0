"""pii.phone: telephone numbers, in national and international formats.

Numbers written the North American way, or with an international prefix, are phone numbers by
their shape; other groupings of digits count when a context word ("phone", "call me on", "fax",
"teléfono") stands next to them, or when the grouping is a valid number in a common region.
Dates, ZIP+4 codes, SSN-shaped and card-length digit runs are not phone numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules._contacts import public_contacts
from postguard.vetting.rules.base import Rule
from postguard.vetting.rules.pii_iban import iban_spans

_CANDIDATE = re.compile(
    r"(?<![\w+\-./:])(?<!\d,)"
    r"(?:(?:\+|00)\d{1,3}[\s.\-]?(?:\(0\)\s?)?)?"
    r"(?:\(\d{1,4}\)[\s.\-]?)?"
    r"\d{1,12}(?:(?:[ .\-]|\s\-\s)\d{1,8}){0,5}"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?"
    r"(?![\w/@:]|-\d|[.,]\d)"
)
# Numbers that are something else: "license number 2270-66-1551", "order 1234 5678".
_OTHER_NUMBER = re.compile(
    r"\b(?:licen[cs]e|passport|account|acct|order|invoice|case|ssn|social\s+security|routing|"
    r"serial|tracking|policy|member|reference|ref|confirmation|id)\b[^\n]{0,20}$"
)
_NANP = re.compile(
    r"(?:(?:\+?1|001)[\s.\-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.\-])\d{3}[\s.\-]\d{4}"
    r"(?:\s?(?:x|ext\.?|extension)\s?\d{1,6})?",
    re.IGNORECASE,
)
_DATE = re.compile(r"(?:\d{4}[.\-]\d{1,2}[.\-]\d{1,2}|\d{1,2}[.\-]\d{1,2}[.\-]\d{4})")
_SSN = re.compile(r"\d{3}-\d{2}-\d{4}")
_ZIP4 = re.compile(r"\d{5}-\d{4}")
_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_TIME = re.compile(r"\d{1,2}[.:]\d{2}")

_CUES_BEFORE = re.compile(
    r"\b(?:phone|tel|tél|teléfono|telefono|tlf|mobile|móvil|movil|cell|celular|desk|fax|call|"
    r"llam\w*|text|txt|sms|whatsapp|reach|contact|answering at|messages to|registered|dial)"
    r"\W{0,6}(?:\w+\W{1,3}){0,3}$"
)
_CUES_AFTER = re.compile(r"^\W{0,3}(?:office|fax|mobile|cell|home|work|desk|tel|phone)\b")
_REGIONS = ("US", "GB", "DE", "FR", "BE", "NL", "CH", "SE", "AU", "IT", "ES", "BR", "MX", "IN")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", re.split(r"(?i)x|ext", text)[0])


class PhoneRule(Rule):
    ids: ClassVar = {"pii.phone": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        if sum(c.isdigit() for c in text[:4096]) < 7 and sum(c.isdigit() for c in text) < 7:
            return
        contacts = public_contacts(ctx)
        ibans: list[tuple[int, int]] | None = None
        for m in _CANDIDATE.finditer(text):
            candidate = m.group()
            digits = _digits(candidate)
            if not 7 <= len(digits) <= 15:
                continue
            if not self._is_phone(text, m.start(), m.end(), candidate, digits):
                continue
            if contacts.is_phone(candidate):
                continue
            if ibans is None:
                ibans = iban_spans(text)
            if any(s < m.end() and m.start() < e for s, e in ibans):
                continue  # the digits of a bank account number
            yield Hit(
                rule="pii.phone",
                start=m.start(),
                end=m.end(),
                message="A phone number: if it is a person's own number, it must not be posted.",
                suggestion="Remove the number, or give the organization's main line instead.",
            )

    def _is_phone(self, text: str, start: int, end: int, candidate: str, digits: str) -> bool:
        if _SSN.fullmatch(candidate) or _ZIP4.fullmatch(candidate) or _DATE.fullmatch(candidate):
            return False
        if _IPV4.fullmatch(candidate) or _TIME.fullmatch(candidate):
            return False
        if _NANP.fullmatch(candidate):
            return True
        if candidate.startswith(("+", "00")):
            return self._possible(
                candidate.replace("00", "+", 1) if candidate[0] == "0" else candidate
            )
        window = text[max(0, start - 40) : start].lower()
        if _OTHER_NUMBER.search(window) and not _CUES_BEFORE.search(window[-20:]):
            return False
        if _CUES_BEFORE.search(window) or _CUES_AFTER.search(text[end : end + 12].lower()):
            return True
        grouped = sum(1 for c in candidate if c in " .-()") >= 2
        if grouped and 9 <= len(digits) <= 12:
            return any(self._valid(candidate, region) for region in _REGIONS)
        return False

    @staticmethod
    def _possible(candidate: str) -> bool:
        import phonenumbers

        try:
            return bool(phonenumbers.is_possible_number(phonenumbers.parse(candidate, None)))
        except phonenumbers.NumberParseException:
            return False

    @staticmethod
    def _valid(candidate: str, region: str) -> bool:
        import phonenumbers

        try:
            return bool(phonenumbers.is_valid_number(phonenumbers.parse(candidate, region)))
        except phonenumbers.NumberParseException:
            return False

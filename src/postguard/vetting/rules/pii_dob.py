"""pii.dob: a date stated as someone's date of birth ("born on", "DOB:", "fecha de nacimiento").

A date alone is never a finding (event dates are the daily business of a social media team);
a year alone ("born in 1961") is not a full date of birth either.
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

_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS_ES = (
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre"
)
_YEAR = r"(?:19|20)\d{2}"
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_DATE = (
    r"(?:"
    rf"\d{{1,2}}[/.\-]\d{{1,2}}[/.\-](?:{_YEAR}|\d{{2}})"  # 03/14/1985, 14.03.85
    rf"|{_YEAR}[/.\-]\d{{1,2}}[/.\-]\d{{1,2}}"  # 1985-03-14
    rf"|(?:{_MONTHS_EN})\.?\s+{_DAY},?\s+{_YEAR}"  # March 14, 1985
    rf"|{_DAY}\s+(?:of\s+)?(?:{_MONTHS_EN})\.?,?\s+{_YEAR}"  # 14 March 1985
    rf"|\d{{1,2}}\s+de\s+(?:{_MONTHS_ES})\s+(?:de|del)\s+{_YEAR}"  # 14 de marzo de 1985
    rf"|(?:{_MONTHS_EN})\.?\s+{_DAY}"  # March 14 (after a strong cue)
    r")"
)
_CUE = (
    r"(?:\bborn\b(?:\s+on)?|\bb\.|\bd\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthdate|"
    r"birthday(?:\s+is)?|\bnacid[oa]\b(?:\s+el)?|\bnaci[óo]\b(?:\s+el)?|"
    r"fecha\s+de\s+nacimiento|f\.?\s*nac\.?|cumpleaños(?:\s+es)?)"
)
_CUE_THEN_DATE = re.compile(rf"(?i){_CUE}[\s:=\-–,(]{{0,4}}(?:is\s+|es\s+|el\s+|on\s+)?({_DATE})")
_DATE_THEN_CUE = re.compile(rf"(?i)({_DATE})\s*\(\s*(?:dob|d\.o\.b\.|born|date of birth)\s*\)")
_PARTIAL = re.compile(rf"(?i)^(?:{_MONTHS_EN})\.?\s+{_DAY}$")
_BIRTHDAY_CUE = re.compile(r"(?i)birthday|cumpleaños")


class DateOfBirthRule(Rule):
    ids: ClassVar = {"pii.dob": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        if not any(c.isdigit() for c in text):
            return
        lowered = text.lower()
        cues = ("born", "b.", "dob", "d.o.b", "birth", "naci", "nac", "cumplea")
        if not any(k in lowered for k in cues):
            return
        for pattern in (_CUE_THEN_DATE, _DATE_THEN_CUE):
            for m in pattern.finditer(text):
                date = m.group(1)
                # "birthday is March 4" without a year is a celebration, not a record.
                if _PARTIAL.match(date) and _BIRTHDAY_CUE.search(m.group(0)):
                    continue
                yield Hit(
                    rule="pii.dob",
                    start=m.start(1),
                    end=m.end(1),
                    message="A date of birth: with a name it identifies a person.",
                    suggestion="Remove the date of birth (an age or a month is usually enough).",
                )

"""pii.government_id: national identity and tax numbers that can be validated.

US Social Security numbers (area, group and serial checked; a bare nine-digit run only next to
"SSN" or "social security"), US ITINs, Canadian SINs (next to "SIN"/"social insurance"),
Spanish DNI and NIE (check letter), Mexican CURP, Brazilian CPF, Italian codice fiscale, Dutch
BSN (next to "BSN"), each validated by python-stdnum.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import ClassVar

from postguard.vetting.context import VettingContext
from postguard.vetting.findings import Hit, Severity
from postguard.vetting.nlp import Analysis
from postguard.vetting.post import Post
from postguard.vetting.rules.base import Rule


@dataclass(frozen=True, slots=True)
class _IdPattern:
    name: str
    pattern: re.Pattern[str]
    validate: Callable[[str], bool]
    context: re.Pattern[str] | None = None  # required nearby (before the number) when set


def _ssn_valid(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 9 or len(set(digits)) == 1:
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    return not (area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000")


_DUMMY_SSNS = frozenset({"123456789", "078051120", "219099999", "987654321"})


def _stdnum(module: str) -> Callable[[str], bool]:
    def validate(value: str) -> bool:
        import importlib

        checker = importlib.import_module(f"stdnum.{module}")
        return bool(checker.is_valid(value))

    return validate


_SSN_CUE = re.compile(r"(?i)(?:\bssn|social\s+security|seguro\s+social|\bss#)[^\n]{0,25}$")
_SIN_CUE = re.compile(r"(?i)(?:\bsin\b|social\s+insurance|\bnas\b)[^\n]{0,25}$")
_BSN_CUE = re.compile(r"(?i)(?:\bbsn\b|burgerservicenummer|sofinummer)[^\n]{0,25}$")

PATTERNS: tuple[_IdPattern, ...] = (
    _IdPattern(
        "US Social Security number",
        re.compile(r"(?<![\w\-])\d{3}([\- ])\d{2}\1\d{4}(?![\w\-])"),
        _ssn_valid,
    ),
    _IdPattern(
        "US Social Security number",
        re.compile(r"(?<![\w\-])\d{9}(?![\w\-])"),
        _ssn_valid,
        _SSN_CUE,
    ),
    _IdPattern(
        "US ITIN",
        re.compile(r"(?<![\w\-])9\d{2}-?[5-9]\d-?\d{4}(?![\w\-])"),
        _stdnum("us.itin"),
    ),
    _IdPattern(
        "Canadian social insurance number",
        re.compile(r"(?<![\w\-])\d{3}[\- ]?\d{3}[\- ]?\d{3}(?![\w\-])"),
        _stdnum("ca.sin"),
        _SIN_CUE,
    ),
    _IdPattern(
        "Spanish DNI",
        re.compile(r"(?<![\w\-])\d{8}-?[A-HJ-NP-TV-Za-hj-np-tv-z](?![\w\-])"),
        _stdnum("es.dni"),
    ),
    _IdPattern(
        "Spanish NIE",
        re.compile(r"(?<![\w\-])[XYZxyz]-?\d{7}-?[A-Za-z](?![\w\-])"),
        _stdnum("es.nie"),
    ),
    _IdPattern(
        "Mexican CURP",
        re.compile(r"(?<![\w])[A-Z]{4}\d{6}[HMX][A-Z]{5}[0-9A-Z]\d(?![\w])"),
        _stdnum("mx.curp"),
    ),
    _IdPattern(
        "Brazilian CPF",
        re.compile(r"(?<![\w\-.])\d{3}\.\d{3}\.\d{3}-\d{2}(?![\w\-]|\.\d)"),
        _stdnum("br.cpf"),
    ),
    _IdPattern(
        "Italian codice fiscale",
        re.compile(r"(?<![\w])[A-Za-z]{6}\d{2}[A-Za-z]\d{2}[A-Za-z]\d{3}[A-Za-z](?![\w])"),
        _stdnum("it.codicefiscale"),
    ),
    _IdPattern(
        "Dutch BSN",
        re.compile(r"(?<![\w\-.])\d{4}\.?\d{2}\.?\d{3}(?![\w\-]|\.\d)"),
        _stdnum("nl.bsn"),
        _BSN_CUE,
    ),
)


class GovernmentIdRule(Rule):
    ids: ClassVar = {"pii.government_id": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        if not any(c.isdigit() for c in text):
            return
        taken: list[tuple[int, int]] = []
        for spec in PATTERNS:
            for m in spec.pattern.finditer(text):
                start, end = m.start(), m.end()
                if any(s < end and start < e for s, e in taken):
                    continue
                window = text[max(0, start - 40) : start]
                if spec.context is not None and not spec.context.search(window):
                    continue
                value = m.group()
                if not spec.validate(value):
                    continue
                digits = re.sub(r"\D", "", value)
                dummy = spec.name.startswith("US Social") and digits in _DUMMY_SSNS
                if dummy and not _SSN_CUE.search(window):
                    continue
                taken.append((start, end))
                yield Hit(
                    rule="pii.government_id",
                    start=start,
                    end=end,
                    message=f"A government identity number ({spec.name}).",
                    suggestion="Remove the number; it must never be posted or asked for in public.",
                    evidence={"kind": spec.name},
                )

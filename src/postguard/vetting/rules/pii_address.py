"""pii.address: street addresses and post-office boxes.

Catches US-style addresses ("1428 Elm Street, Apt 4", "PO Box 12"), military addresses
("PSC 1234, Box 5678, APO AE 09001"), and the common European forms ("Koskikatu 25",
"Villacher Strasse 89", "62 Rue Gafsa", "Via Franscini 71"), extended over a unit, city, state
and postal code that follow. A city, state or country alone is never an address, and neither is a
number followed by words that are not a street ("300 trees on the avenue"). The organization's
own published office address is let through in any format.
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
from postguard.vetting.rules._text import words
from postguard.vetting.rules.base import Rule

_SUFFIXES = (
    "street|st|str|avenue|ave|av|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|place|pl|"
    "terrace|ter|way|parkway|pkwy|circle|cir|highway|hwy|square|sq|trail|trl|close|crescent|"
    "cres|alley|aly|plaza|plz|pike|loop|row|mews|expressway|expy|freeway|fwy|turnpike|tpke|"
    "crossing|xing|ridge|heights|hts|gardens|grove|path|walk|cove|run|"
    "estates|manor|commons|center|ctr|route|rte|causeway|bypass|broadway"
)
# Suffixes that make "2026 Harbor ..." a street even though 2026 looks like a year.
_STRONG_SUFFIXES = words("street st avenue ave road rd boulevard blvd drive dr lane ln court ct")
_ABBREVIATIONS = words("mt ft st dr jr sr mlk ave rd blvd ln hwy cir pkwy")
# Words that never sit inside a street name: they mean the number is a count, not a house.
_STOP = words(
    """
    the a an of on in at to for and or with by from our your their my his her its this that
    these those more than over under about around near all new people years days weeks hours
    minutes miles percent times students residents trees homes families cars applications
    calls visitors members via please until between through during after before is are was
    were be been lives live living located moved meet next it's its
    """
)
_NOT_STREET_CUED = _STOP | words(
    """
    jan january feb february mar march apr april may jun june jul july aug august sep sept
    september oct october nov november dec december am pm a.m. p.m. enero febrero marzo
    abril mayo junio julio agosto septiembre octubre noviembre diciembre de del y mon monday
    tue tuesday wed wednesday thu thursday fri friday sat saturday sun sunday
    """
)
_WORD = r"[^\W\d_][\w'’.\-]*"
_US = re.compile(
    rf"(?<![\w,.\-])\d{{1,6}}[A-Za-z]?(?:-\d{{1,5}})?\s+(?:\d{{1,6}}\s+)?"
    rf"(?:(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+){{0,4}}?"
    rf"(?:{_WORD}|\d{{1,3}}(?:st|nd|rd|th))\s+(?:{_SUFFIXES})\b\.?",
    re.IGNORECASE,
)
_EU_SUFFIX = (
    r"stra(?:ss|ß)e|str\.|gasse|weg|allee|platz|graben|damm|ufer|gatan|gata|vägen|"
    r"gränd|torg|vej|gade|stræde|veien|vegen|gata|katu|tie|kuja|polku|kaari|straat|laan|plein|"
    r"gracht|kade|utca|u\.|út|útja|tér|körút|krt\.|rkp\.|köz|kapu|ulica|cesta|iela|gatve|tänav|terrasse"
)
_EU_AFTER = re.compile(
    rf"(?<![\w])(?:\d{{1,6}}\s+)?(?:[^\W\d_][\w'’\-]*\s+){{0,3}}?[^\W\d_]*(?:{_EU_SUFFIX})(?!\w)\.?\s+\d{{1,5}}[a-zA-Z]?\b\.?",
    re.IGNORECASE,
)
_PREFIX_TYPES = (
    r"rue|rua|via|vicolo|viale|corso|piazza|calle|avenida|avda\.|carrer|camino|paseo|praça|"
    r"travessa|largo|ul\.|ulica|al\.|aleja|λεωφόρος|οδός|λ\.|boulevard|bd\.|chemin|allée|"
    r"impasse|quai|place|avenue"
)
_PREFIX_NUMBER_AFTER = re.compile(
    rf"(?<![\w])(?:{_PREFIX_TYPES})\s+(?:{_WORD}\s+){{0,4}}?\d{{1,5}}[a-zA-Z]?\b",
    re.IGNORECASE,
)
_NUMBER_THEN_PREFIX = re.compile(
    rf"(?<![\w,.\-])(?:\d{{1,6}}\s+)?\d{{1,5}}[a-zA-Z]?,?\s+(?:{_PREFIX_TYPES})\s+(?:{_WORD})(?:\s+(?!(?:st|the)\b){_WORD}){{0,4}}",
    re.IGNORECASE,
)
_PO_BOX = re.compile(
    r"(?i)(?<![\w])(?:p\.?\s?o\.?\s?box|post\s+office\s+box|postbox|postfach|apartado(?:\s+de\s+correos)?|"
    r"casilla(?:\s+de\s+correo)?)\s*#?\s*\d{1,7}\b"
)
_MILITARY = re.compile(
    r"(?i)(?<![\w])(?:(?:psc|unit|cmr)\s+\d{3,5},?\s+box\s+\d{1,5}"
    r"|(?:uss|usns|usnv|usc?gc)\s+[a-z]+)"
    r"(?:,?\s*(?:apo|dpo|fpo)\s+a[aep]\s+\d{5})?"
)
# "6750 Koskikatu 25": a number, a one- to four-word name, a number; only after a cue.
_CUED = re.compile(
    rf"(?<![\w,.\-])\d{{1,6}}\s+(?:{_WORD}\s+){{0,3}}{_WORD}\s+\d{{1,5}}[a-zA-Z]?\b\.?",
)
_CUE = re.compile(
    r"(?i)(?:address|adresse|dirección|direccion|domicilio|lives?\s+(?:at|on)|living\s+at|"
    r"vive\s+en|moved\s+to|located\s+at|based\s+at|sent\s+to|send\s+(?:it|them|this)?\s*to|"
    r"ship\s+(?:it\s+)?to|deliver(?:ed)?\s+to|meet\s+(?:me|us)\s+at|office\s+is\s+at|"
    r"drops?\s+you\s+off\s+at|is\s+at|is\s+in|on|at|user:)(?:\s+is)?\W{0,4}$"
)
_UNIT = re.compile(
    r"(?i)(?:[ \t]*,?[ \t]*)(?:apt\.?|apartment|suite|ste\.?|unit|#|floor|fl\.?|"
    r"room|rm\.?|bldg\.?|building|piso|dpto\.?|depto\.?)[ \t]*#?[\w\-]{1,6}\b\.?"
)
_CITY_STATE_ZIP = re.compile(
    r"(?:[ \t]*,[ \t]*|[ \t]+)"
    r"(?:[^\W\d_][\w'’.\-]*(?:[ \t]+[^\W\d_][\w'’.\-]*){0,3}[ \t]*,?[ \t]*)?"
    r"(?:[A-Z]{2}|[A-Z][a-z]+)?[ \t]*,?[ \t]*\d{4,5}(?:-\d{4})?\b"
)
_COUNTRY_LINE = re.compile(r"[ \t]*,[ \t]*[^\W\d_][\w'’.()\- ]{1,30}?[ \t]+\d{4,5}\b")
# A line that is nothing but "20789 Allika 46" (house number, street, number).
_ADDRESS_LINE = re.compile(
    rf"(?m)^[ \t>]*(\d{{1,6}}[ \t]+(?:{_WORD}[ \t]+){{0,3}}{_WORD}[ \t]+\d{{1,5}}[a-zA-Z]?\.?)"
    r"[ \t]*$"
)
_CORNER = re.compile(
    r"(?i)\b(?:the\s+)?corner\s+of\s+[^\n,.;!?]{2,60}?\s+(?:and|&)\s+"
    r"[^\W\d_][\w'’\-]*(?:\s+[^\W\d_][\w'’\-]*){0,3}"
)
# Lines that continue an address block: a unit, a city, a state, a postal code, a country.
_NEXT_UNIT = re.compile(
    r"(?i)[ \t>]*(?:apt\.?|apartment|suite|ste\.?|unit|floor|fl\.?|room|rm\.?|bldg\.?)"
    r"[ \t]*#?[\w\-]{1,6}\.?[ \t]*"
)
_NEXT_CITY = re.compile(
    r"[ \t>]*[^\W\d_][\w'’.\-]*(?:[ \t]+[^\W\d_][\w'’.()\-]*){0,3}[ \t]*,?[ \t]*"
)
_NEXT_STATE = re.compile(r"[ \t>]*,?[ \t]*[A-Za-z]{2,3}[ \t]*")
_NEXT_ZIP = re.compile(
    r"[ \t>]*,?[ \t]*(?:[^\W\d_][\w'’.()\-]*(?:[ \t]+[^\W\d_][\w'’.()\-]*){0,3}[ \t]*,?[ \t]*)?"
    r"(?:[A-Z]{2}[ \t]+)?\d{4,5}(?:-\d{4})?\.?[ \t]*"
)


class AddressRule(Rule):
    ids: ClassVar = {"pii.address": Severity.BLOCK}

    def check(self, post: Post, analysis: Analysis, ctx: VettingContext) -> Iterable[Hit]:
        text = post.text
        if not any(c.isdigit() for c in text):
            return
        spans: list[tuple[int, int]] = []
        for pattern in (
            _MILITARY,
            _PO_BOX,
            _US,
            _EU_AFTER,
            _NUMBER_THEN_PREFIX,
            _PREFIX_NUMBER_AFTER,
        ):
            for m in pattern.finditer(text):
                if pattern is _US and not self._us_street_ok(m.group()):
                    continue
                start = m.start()
                if pattern is _EU_AFTER:
                    start = self._skip_leading_stopwords(text, start, m.end())
                spans.append((start, m.end()))
        for m in _ADDRESS_LINE.finditer(text):
            if self._street_words_ok(m.group(1), cued=True):
                spans.append((m.start(1), m.end(1)))
        for m in _CORNER.finditer(text):
            if any(c.isdigit() for c in m.group()):
                spans.append((m.start(), m.end()))
        for m in _CUED.finditer(text):
            if _CUE.search(text[max(0, m.start() - 30) : m.start()]) and self._street_words_ok(
                m.group(), cued=True
            ):
                spans.append((m.start(), m.end()))
        if not spans:
            return
        contacts = public_contacts(ctx)
        for start, end in self._merge(spans):
            end = self._extend(text, end)
            if contacts.is_address(text[start:end]):
                continue
            yield Hit(
                rule="pii.address",
                start=start,
                end=end,
                message=(
                    "A street or postal address: if it is where someone lives, "
                    "it must not be posted."
                ),
                suggestion=(
                    "Remove the address, or name a public place instead (or the office address)."
                ),
            )

    @staticmethod
    def _skip_leading_stopwords(text: str, start: int, end: int) -> int:
        """'is on Villacher Strasse 89' -> 'Villacher Strasse 89'."""
        for word in re.finditer(r"\S+\s+", text[start:end]):
            if word.group().strip().lower() not in _NOT_STREET_CUED:
                return start + word.start()
        return start

    @staticmethod
    def _us_street_ok(match: str) -> bool:
        """A house number, then a street name: no sentence break, no count, no time of day."""
        number = re.match(r"\d+", match)
        tokens = re.findall(r"[^\W\d_][\w'’\-]*\.?", match)
        if not tokens or number is None:
            return False
        body = tokens[:-1]
        for token in body:
            bare = token.rstrip(".").lower()
            if bare in _NOT_STREET_CUED:
                return False
            if token.endswith(".") and len(bare) > 2 and bare not in _ABBREVIATIONS:
                return False  # "3 PM. Please detour via Main Street": a sentence ended
        suffix = tokens[-1].rstrip(".").lower()
        year = 1900 <= int(number.group()) <= 2099 and len(number.group()) == 4
        return not (year and suffix not in _STRONG_SUFFIXES)

    @staticmethod
    def _street_words_ok(match: str, *, cued: bool = False) -> bool:
        words = re.findall(r"[^\W\d_][\w'’\-]*", match)
        if not words:
            return False
        body = words[:-1] if not cued else words
        stop = _NOT_STREET_CUED if cued else _STOP
        return not any(w.lower() in stop for w in body)

    @staticmethod
    def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    @staticmethod
    def _extend(text: str, end: int) -> int:
        for _ in range(3):
            m = _UNIT.match(text, end)
            if m is None:
                break
            end = m.end()
        m = _CITY_STATE_ZIP.match(text, end)
        if m is not None and m.end() - end <= 60:
            end = m.end()
        else:
            m = _COUNTRY_LINE.match(text, end)
            if m is not None:
                end = m.end()
        return AddressRule._extend_lines(text, end)

    @staticmethod
    def _extend_lines(text: str, end: int) -> int:
        """Follow an address block down its lines: units, city, state, postal code, country."""
        line_end = text.find("\n", end)
        if line_end == -1 or text[end:line_end].strip(" \t.,"):
            return end  # something else follows on the same line
        best = end
        position = line_end + 1
        blank_used = False
        for _ in range(5):
            next_end = text.find("\n", position)
            next_end = len(text) if next_end == -1 else next_end
            line = text[position:next_end]
            if not line.strip(" \t>"):
                if blank_used or next_end >= len(text):
                    break
                blank_used = True
                position = next_end + 1
                continue
            if _NEXT_UNIT.fullmatch(line) or _NEXT_ZIP.fullmatch(line):
                best = position + len(line.rstrip(" \t"))
            elif not (_NEXT_CITY.fullmatch(line) or _NEXT_STATE.fullmatch(line)):
                break
            if len(line) > 50:
                break
            position = next_end + 1
            if position > len(text):
                break
        return best

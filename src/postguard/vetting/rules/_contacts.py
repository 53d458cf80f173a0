"""The organization's own public contacts, normalised so that any way of writing them matches.

A published main phone, office address or press e-mail is never a finding, whether it is
written "(555) 010-0100", "+1 555 010 0100" or "555.010.0100".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from postguard.vetting.context import VettingContext

_ABBREVIATIONS = {
    "street": "st",
    "avenue": "ave",
    "av": "ave",
    "road": "rd",
    "boulevard": "blvd",
    "drive": "dr",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "suite": "ste",
    "apartment": "apt",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "highway": "hwy",
    "parkway": "pkwy",
    "square": "sq",
    "terrace": "ter",
    "floor": "fl",
    "room": "rm",
    "building": "bldg",
    "number": "no",
}


def phone_key(text: str) -> str:
    """The digits that identify a phone number, without country code or trunk prefix."""
    import phonenumbers

    digits = re.sub(r"\D", "", text.split("x")[0].split("ext")[0])
    try:
        parsed = phonenumbers.parse(text, "US")
        return str(parsed.national_number)
    except phonenumbers.NumberParseException:
        return digits.lstrip("0")[-10:]


def address_tokens(text: str) -> frozenset[str]:
    words = re.findall(r"\w+", text.lower())
    return frozenset(_ABBREVIATIONS.get(w, w) for w in words)


@dataclass(frozen=True, slots=True)
class PublicContacts:
    phones: frozenset[str]
    address_tokens: tuple[frozenset[str], ...]
    emails: frozenset[str]

    def is_phone(self, text: str) -> bool:
        return bool(self.phones) and phone_key(text) in self.phones

    def is_email(self, address: str) -> bool:
        return address.lower() in self.emails

    def is_address(self, text: str) -> bool:
        tokens = address_tokens(text)
        if not tokens:
            return False
        for office in self.address_tokens:
            numbers = {t for t in tokens if t.isdigit()}
            words = tokens - numbers
            # Same house number and street words: the rest (city, zip) may be left out or added.
            if numbers and numbers & office and len(words & office) >= max(1, len(words) // 2):
                return True
            if tokens <= office:
                return True
        return False


def public_contacts(ctx: VettingContext) -> PublicContacts:
    cached = ctx.cache.get("_public_contacts")
    if isinstance(cached, PublicContacts):
        return cached
    pc = ctx.policy.public_contacts
    phones = [p for p in (pc.main_phone, *pc.phones) if p]
    addresses = [a for a in (pc.office_address,) if a]
    result = PublicContacts(
        phones=frozenset(phone_key(p) for p in phones),
        address_tokens=tuple(address_tokens(a) for a in addresses),
        emails=frozenset(e.lower() for e in pc.emails),
    )
    ctx.cache["_public_contacts"] = result
    return result

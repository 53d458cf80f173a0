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


_GENERIC = frozenset({"st", "ave", "rd", "blvd", "dr", "ln", "ct", "pl", "n", "s", "e", "w", "ste"})


def street_tokens(text: str) -> tuple[str, ...]:
    """(house number, street words...) of the first line of an address, or () if it has none."""
    parts = re.split(r"[,\n]", text)
    first = next((p for p in parts if re.search(r"\d", p) and re.search(r"[^\W\d_]", p)), "")
    tokens = [_ABBREVIATIONS.get(w, w) for w in re.findall(r"\w+", first.lower())]
    numbers = [t for t in tokens if t.isdigit()]
    if not numbers:
        return ()
    rest = [t for t in tokens if not t.isdigit() and t not in _GENERIC]
    return (numbers[0], *rest)


@dataclass(frozen=True, slots=True)
class PublicContacts:
    phones: frozenset[str]
    streets: tuple[tuple[str, ...], ...]
    emails: frozenset[str]

    def is_phone(self, text: str) -> bool:
        return bool(self.phones) and phone_key(text) in self.phones

    def is_email(self, address: str) -> bool:
        return address.lower() in self.emails

    def is_address(self, text: str) -> bool:
        """Same house number and a shared street word: the city, state and zip may differ."""
        street = street_tokens(text)
        if not street:
            return False
        for office in self.streets:
            if street[0] == office[0] and set(street[1:]) & set(office[1:]):
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
        streets=tuple(s for s in (street_tokens(a) for a in addresses) if s),
        emails=frozenset(e.lower() for e in pc.emails),
    )
    ctx.cache["_public_contacts"] = result
    return result

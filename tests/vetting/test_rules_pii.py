"""pii.* pattern rules: exact spans for what they catch, and the look-alikes they let through."""

from __future__ import annotations

import pytest

from tests.vetting.pattern_support import offsets, spans

# (text, [expected exact finding texts]) per rule; an empty list means "nothing found".
EMAIL = [
    ("Write to jane.doe@gmail.com today", ["jane.doe@gmail.com"]),
    ("Contact: MilenaRossi@rhyta.com.", ["MilenaRossi@rhyta.com"]),
    ("Questions? info@vendor.com or support@example.org", []),  # role addresses
    ("Email social@madisoncounty.gov for press", []),  # the organization's role address
    ("Reach treasurer.office@madisoncounty.gov", []),  # published in public_contacts
    ("Follow @madisoncounty@mastodon.social for updates", []),  # a Mastodon handle
    ("Not an address: name@localhost or @handle", []),
]

PHONE = [
    ("Call me at (540) 266-4821 tonight", ["(540) 266-4821"]),
    ("Text 540.266.4821 or +1-540-266-4822", ["540.266.4821", "+1-540-266-4822"]),
    ("Mobile: +44 7700 900123", ["+44 7700 900123"]),
    ("Phone: 0490 75 40 81", ["0490 75 40 81"]),
    ("Fax: 9498777106", ["9498777106"]),
    ("Desk: (898)666-3621x0135", ["(898)666-3621x0135"]),
    ("Our main line is (540) 555-0100 and 540-555-0100", []),  # public contact, any format
    ("Also 540 555 0199", []),  # the second published phone
    ("Meeting on 2024-05-14 at 10:30, case 2270-66-1551", []),
    ("We planted 1,250,000 trees; ZIP 22727-1234", []),
    ("Version 10.0.0.1 of the app", []),
    ("License number is 2270-66-1551", []),
]

ADDRESS = [
    (
        "Lives at 1428 Elm Street, Apt 4, Springfield, IL 62704 now",
        ["1428 Elm Street, Apt 4, Springfield, IL 62704"],
    ),
    ("Send it to PO Box 1234 please", ["PO Box 1234"]),
    ("Mail: P.O. Box 77, Madison", ["P.O. Box 77"]),
    ("PSC 1234, Box 5678, APO AE 09001", ["PSC 1234, Box 5678, APO AE 09001"]),
    ("The bus station is on Villacher Strasse 89", ["Villacher Strasse 89"]),
    ("Tosh Olsen lives at 172 Maneeži 75, Saareküla", ["172 Maneeži 75"]),
    ("Our office: 302 Thrift Road, Madison, VA 22727", []),  # the published office address
    ("Visit us at 302 Thrift Rd.", []),  # the same, abbreviated
    ("Visit Room 214, 302 Thrift Road, 2nd floor", []),  # the same, with a room number
    ("We planted 300 trees on the avenue", []),
    ("Winners of our 2026 Harbor Point scholarships", []),
    ("Closed until 3 PM. Please detour via Main Street.", []),
    ("Madison County, Virginia", []),  # a place alone is never an address
    ("Join us in Richmond, VA on 12 June 2025", []),
]

GOVERNMENT_ID = [
    ("My SSN is 460-89-9847.", ["460-89-9847"]),
    ("ssn: 460899847", ["460899847"]),
    ("Example SSN 123-45-6789", ["123-45-6789"]),  # a known dummy, but stated as an SSN
    ("Order 123-45-6789 shipped", []),  # the dummy without the cue
    ("Invalid area 000-12-3456 and 666-12-3456 and 912-34-5678x", []),
    ("DNI 12345678Z", ["12345678Z"]),
    ("NIE X1234567L", ["X1234567L"]),
    ("CPF 390.533.447-05", ["390.533.447-05"]),
    ("Call 540-555-0123", []),
]

CARD = [
    ("Card 4111 1111 1111 1111 lost", ["4111 1111 1111 1111"]),
    ("Use 4454794511390933 now", ["4454794511390933"]),
    ("Amex 3782-822463-10005", ["3782-822463-10005"]),
    ("Maestro 630427373398", ["630427373398"]),
    ("Order 4111 1111 1111 1112", []),  # fails Luhn
    ("Timestamp 1700000000000 ms", []),
    ("Ref 123456789012", []),  # twelve digits that are not a Maestro number
]

IBAN = [
    ("IBAN GB82 WEST 1234 5698 7654 32 please", ["GB82 WEST 1234 5698 7654 32"]),
    ("iban gb42nawi04454264788619", ["gb42nawi04454264788619"]),
    ("NL91 ABNA 0417 1643 00", ["NL91 ABNA 0417 1643 00"]),
    ("GB82 WEST 1234 5698 7654 33", []),  # checksum wrong
]

IP = [
    ("Server 8.8.8.8 is down", [("pii.ip", "8.8.8.8")]),
    (
        "Reach 10.0.0.5 or 192.168.1.20",
        [("internal.ip", "10.0.0.5"), ("internal.ip", "192.168.1.20")],
    ),
    (
        "CGNAT 100.64.1.1 and link-local 169.254.3.4",
        [("internal.ip", "100.64.1.1"), ("internal.ip", "169.254.3.4")],
    ),
    (
        "v6 2001:4860:4860::8888 and fe80::1",
        [("pii.ip", "2001:4860:4860::8888"), ("internal.ip", "fe80::1")],
    ),
    ("Update to version 1.2.3.4 today; v2.0.0.1 too", []),
    ("Not 300.1.2.3, not 12:30:45, not 0.0.0.0", []),
]

DOB = [
    ("DOB: 03/14/1985", ["03/14/1985"]),
    ("She was born on March 3, 1985 in Ohio", ["March 3, 1985"]),
    ("Date of birth 1985-03-14", ["1985-03-14"]),
    ("A member shared their DOB (03/22/1985) here", ["03/22/1985"]),
    ("Fecha de nacimiento: 14 de marzo de 1985", ["14 de marzo de 1985"]),
    ("Nació el 3/4/1990.", ["3/4/1990"]),
    ("Happy birthday, Mayor! Her birthday is March 4", []),
    ("The library opened on March 3, 1985", []),  # a date that is not a birth date
    ("He was born in 1961", []),  # a year alone
]


def _check(text: str, rule: str, expected: list[str]) -> None:
    found = spans(text, rule)
    assert [t for _, t in found] == expected
    assert all(r == rule for r, _ in found)


@pytest.mark.parametrize(("text", "expected"), EMAIL)
def test_email(text: str, expected: list[str]) -> None:
    _check(text, "pii.email", expected)


@pytest.mark.parametrize(("text", "expected"), PHONE)
def test_phone(text: str, expected: list[str]) -> None:
    _check(text, "pii.phone", expected)


@pytest.mark.parametrize(("text", "expected"), ADDRESS)
def test_address(text: str, expected: list[str]) -> None:
    _check(text, "pii.address", expected)


@pytest.mark.parametrize(("text", "expected"), GOVERNMENT_ID)
def test_government_id(text: str, expected: list[str]) -> None:
    _check(text, "pii.government_id", expected)


@pytest.mark.parametrize(("text", "expected"), CARD)
def test_card(text: str, expected: list[str]) -> None:
    _check(text, "pii.card", expected)


@pytest.mark.parametrize(("text", "expected"), IBAN)
def test_iban(text: str, expected: list[str]) -> None:
    _check(text, "pii.iban", expected)


@pytest.mark.parametrize(("text", "expected"), IP)
def test_ip(text: str, expected: list[tuple[str, str]]) -> None:
    found = spans(text, "pii.ip") + spans(text, "internal.ip")
    assert sorted(found, key=lambda f: text.index(f[1])) == expected


@pytest.mark.parametrize(("text", "expected"), DOB)
def test_dob(text: str, expected: list[str]) -> None:
    _check(text, "pii.dob", expected)


def test_offsets_are_exact() -> None:
    text = "é\u0301 👩‍👩‍👧 call 540-266-4821"
    assert offsets(text, "pii.phone") == [("pii.phone", text.index("540"), len(text))]


def test_phone_digits_inside_an_iban_are_not_a_phone() -> None:
    text = "a reply with IBAN NL91 ABNA 0417 1643 00 was hidden"
    assert spans(text, "pii.phone") == []
    assert spans(text, "pii.iban") == [("pii.iban", "NL91 ABNA 0417 1643 00")]


def test_finding_says_what_to_do() -> None:
    from tests.vetting.pattern_support import vet

    (finding,) = vet("card 4111 1111 1111 1111").findings
    assert finding.message
    assert finding.suggestion
    assert finding.severity.value == "block"

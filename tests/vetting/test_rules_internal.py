"""internal.*: hosts, links, private addresses, code names and ticket ids."""

from __future__ import annotations

import pytest

from postguard.policy.schema import Policy
from tests.vetting.pattern_support import POLICY, spans

HOSTS = [
    ("Files are on fs01.mc.local now", [("internal.host", "fs01.mc.local")]),
    ("See http://intranet/hr/forms today", [("internal.url", "http://intranet/hr/forms")]),
    (
        "Log in at https://vpn.madisoncounty.gov/",
        [("internal.url", "https://vpn.madisoncounty.gov/")],
    ),
    ("dc01.ad.madisoncounty.gov is patched", [("internal.host", "dc01.ad.madisoncounty.gov")]),
    (
        "Printer at printer3.corp and nas.lan",
        [("internal.host", "printer3.corp"), ("internal.host", "nas.lan")],
    ),
    (
        r"Saved to \\fileserver\shared\budget.xlsx ok",
        [("internal.url", r"\\fileserver\shared\budget.xlsx")],
    ),
    ("Visit https://www.madisoncounty.gov/parks", []),
    ("Our site madisoncounty.gov and library.madisoncounty.gov", []),
]


@pytest.mark.parametrize(("text", "expected"), HOSTS)
def test_internal_hosts_and_urls(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text, "internal.host") + spans(text, "internal.url") == sorted(
        expected, key=lambda e: (e[0] != "internal.host", text.index(e[1]))
    )


CODENAMES = [
    ("Bluejay launches Monday", ["Bluejay"]),
    ("update on project tidewater", ["project tidewater"]),
    ("PROJECT   TIDEWATER is late", ["PROJECT   TIDEWATER"]),
    ("A blue jay at the feeder; Bluejays fans", []),
]


@pytest.mark.parametrize(("text", "expected"), CODENAMES)
def test_codenames_whole_words_any_case(text: str, expected: list[str]) -> None:
    assert [t for _, t in spans(text, "internal.codename")] == expected


TICKETS = [
    ("Fixed in INC-20431 and REQ0012345", ["INC-20431", "REQ0012345"]),
    ("INC-12 is too short; PINC-12345 is not a ticket", []),
]


@pytest.mark.parametrize(("text", "expected"), TICKETS)
def test_tickets_default_pattern(text: str, expected: list[str]) -> None:
    assert [t for _, t in spans(text, "internal.ticket")] == expected


def test_ticket_pattern_from_policy() -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "ticket_pattern": r"\bMC-\d{3,}\b"})
    assert spans("see MC-4821 and INC-20431", "internal.ticket", policy=policy) == [
        ("internal.ticket", "MC-4821")
    ]


def test_no_ticket_pattern_means_no_ticket_findings() -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "ticket_pattern": None})
    assert spans("INC-20431", "internal.ticket", policy=policy) == []

"""link.*: look-alikes of the organization's domains, shorteners, domains off the allow-list."""

from __future__ import annotations

import pytest

from postguard.policy.schema import Policy
from tests.vetting.pattern_support import POLICY, spans

CASES = [
    ("Pay at madisoncounty-gov-login.com", [("link.lookalike", "madisoncounty-gov-login.com")]),
    ("Go to https://madis0ncounty.gov/pay", [("link.lookalike", "https://madis0ncounty.gov/pay")]),
    ("Go to madisoncounty.com", [("link.lookalike", "madisoncounty.com")]),
    ("Go to rnadisoncounty.gov", [("link.lookalike", "rnadisoncounty.gov")]),
    ("Go to madisoncounnty.gov", [("link.lookalike", "madisoncounnty.gov")]),
    ("Go to mаdisoncounty.gov", [("link.lookalike", "mаdisoncounty.gov")]),  # Cyrillic а
    ("Go to xn--mdisoncounty-x9j.gov", [("link.lookalike", "xn--mdisoncounty-x9j.gov")]),
    (
        "Pay at mcva-secure.org or mcvaonline.com",
        [("link.lookalike", "mcva-secure.org"), ("link.lookalike", "mcvaonline.com")],
    ),
    (
        "Short: https://bit.ly/3xYz and t.co/abc",
        [("link.shortener", "https://bit.ly/3xYz"), ("link.shortener", "t.co/abc")],
    ),
    ("See https://example.org/page.", [("link.not_allowed", "https://example.org/page")]),
    ("See www.example.co.uk, please", [("link.not_allowed", "www.example.co.uk")]),
    # Allowed: the organization's domains, the allow-list, and their subdomains.
    ("https://www.madisoncounty.gov/pay and parks.madisoncounty.gov", []),
    ("Forecast at https://forecast.weather.gov/x and vdh.virginia.gov", []),
    # Not links at all.
    ("e.g. this, i.e. that, Mr.Smith, file report.py, 3.14 and U.S. news", []),
    ("Email jane@example.org", []),  # an address, not a link
    ("Follow @madisoncounty.bsky.social", []),  # a Bluesky handle
    ("Internal host fs01.mc.local", []),  # internal.host's, not a link finding
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_links(text: str, expected: list[tuple[str, str]]) -> None:
    assert spans(text, "link.") == expected


def test_a_disabled_lookalike_falls_back_to_not_allowed() -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "rules": {"link.lookalike": "off"}})
    assert spans("Go to madisoncounty.com", "link.", policy=policy) == [
        ("link.not_allowed", "madisoncounty.com")
    ]


def test_lookalike_message_names_the_imitated_domain() -> None:
    from tests.vetting.pattern_support import vet

    (finding,) = vet("Go to madis0ncounty.gov").findings
    assert "madisoncounty.gov" in finding.message
    assert finding.suggestion
    assert finding.severity.value == "block"


def test_not_allowed_needs_review() -> None:
    from tests.vetting.pattern_support import vet

    report = vet("More at https://example.org")
    assert report.verdict.value == "review"

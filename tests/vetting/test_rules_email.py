"""email.personal_address and email.scheme_inferable (history mode)."""

from __future__ import annotations

from postguard.vetting.context import VettingContext
from postguard.vetting.directory import Employee
from postguard.vetting.rules.email_personal import scheme_from_name, scheme_from_shape
from tests.vetting.pattern_support import POLICY, spans, vet


def test_personal_address_at_the_organization() -> None:
    text = "Write to jane.doe@madisoncounty.gov or social@madisoncounty.gov"
    assert spans(text, "email.") == [("email.personal_address", "jane.doe@madisoncounty.gov")]
    assert spans(text, "pii.email") == []  # judged by the organization rule only


def test_subdomain_and_case_count_as_the_organization() -> None:
    assert spans("JDoe@Mail.MadisonCounty.gov", "email.") == [
        ("email.personal_address", "JDoe@Mail.MadisonCounty.gov")
    ]


def test_role_and_published_addresses_pass() -> None:
    text = "press@madisoncounty.gov, clerk@madisoncounty.gov, treasurer.office@madisoncounty.gov"
    assert spans(text, "email.") == []
    # A function, not a person, even when the policy does not list it.
    assert spans("RSVP to events@madisoncounty.gov", "email.") == []


def test_suggestion_proposes_a_role_address() -> None:
    (finding,) = vet("jdoe@mcva.org").findings
    assert "social@mcva.org" in finding.suggestion


def test_no_scheme_finding_without_history() -> None:
    assert spans("a.b@madisoncounty.gov c.d@madisoncounty.gov", "email.scheme") == []


def test_second_address_reveals_the_scheme() -> None:
    ctx = VettingContext.from_policy(POLICY, track_history=True)
    first = vet("Thanks Jane Doe, jane.doe@madisoncounty.gov", ctx=ctx)
    assert [f.rule for f in first.findings] == ["email.personal_address"]
    second = vet("Ask Omar Said at omar.said@madisoncounty.gov", ctx=ctx)
    rules = [f.rule for f in second.findings]
    assert rules == ["email.personal_address", "email.scheme_inferable"]
    scheme = second.findings[1]
    assert "first.last" in scheme.message
    assert scheme.text == "omar.said@madisoncounty.gov"
    # The same address again adds nothing new to the history.
    third = vet("omar.said@madisoncounty.gov", ctx=ctx)
    assert [f.rule for f in third.findings] == ["email.personal_address"]
    assert ctx.history is not None
    assert ctx.history.personal_addresses["madisoncounty.gov"] == {
        "jane.doe@madisoncounty.gov",
        "omar.said@madisoncounty.gov",
    }


def test_scheme_uses_the_directory() -> None:
    directory = [
        Employee(name="Jane Doe", email="jdoe@madisoncounty.gov"),
        Employee(name="Omar Said", email="osaid@madisoncounty.gov"),
    ]
    ctx = VettingContext.from_policy(POLICY, directory, track_history=True)
    vet("jdoe@madisoncounty.gov", ctx=ctx)
    report = vet("osaid@madisoncounty.gov", ctx=ctx)
    (scheme,) = [f for f in report.findings if f.rule == "email.scheme_inferable"]
    assert scheme.evidence["scheme"] == "flast"


def test_scheme_names() -> None:
    assert scheme_from_name("jane.doe", "Jane", "Doe") == "first.last"
    assert scheme_from_name("jdoe", "Jane", "Doe") == "flast"
    assert scheme_from_name("janed", "Jane", "Doe") == "firstl"
    assert scheme_from_name("jane_doe", "Jane", "Doe") == "first_last"
    assert scheme_from_name("jane", "Jane", "Doe") == "first"
    assert scheme_from_name("jose.nunez2", "José", "Núñez") == "first.last"
    assert scheme_from_name("xyz", "Jane", "Doe") is None
    assert scheme_from_shape("a.b") == "f.l"
    assert scheme_from_shape("jane_doe") == "first_last"

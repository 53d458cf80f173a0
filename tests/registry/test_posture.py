"""Posture findings: the seed's credential checklist, one finding per problem, and the score."""

from __future__ import annotations

import datetime as dt

import pytest

from postguard.policy.loader import load_policy_text
from postguard.registry.posture import (
    AccountFacts,
    AccountPosture,
    account_posture,
    organization_score,
    posture_for,
)
from tests.cast import Cast

POLICY = load_policy_text(
    """\
organization: Example County
domains: [example.gov]
role_addresses: [social, communications]
public_contacts:
  main_phone: "+1 555 010 0000"
credentials:
  keeper: security
  rotation_days: 90
"""
)
TODAY = dt.date(2026, 11, 28)
CLEAN = AccountFacts(
    label="Bluesky county",
    login_email="social@example.gov",
    recovery_email="communications@example.gov",
    recovery_phone="(555) 010-0000",
    mfa_method="app",
    last_rotation=TODAY - dt.timedelta(days=30),
    has_keeper=True,
    keeper_active=True,
    keeper_roles=frozenset({"security"}),
    keeper_name="Sam",
)


def ids(facts: AccountFacts) -> list[str]:
    return [f.id for f in account_posture(facts, POLICY, TODAY).findings]


def _with(**changes: object) -> AccountFacts:
    values = {name: getattr(CLEAN, name) for name in CLEAN.__slots__}
    values.update(changes)
    return AccountFacts(**values)


def test_a_clean_account_has_no_findings_and_scores_100() -> None:
    posture = account_posture(CLEAN, POLICY, TODAY)
    assert posture.findings == ()
    assert posture.score == 100


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"login_email": "jane.smith@example.gov"}, ["login_email.personal"]),
        ({"login_email": "county.social@gmail.com"}, ["login_email.off_domain"]),
        ({"login_email": ""}, ["login_email.missing"]),
        ({"recovery_email": "jane@gmail.com"}, ["recovery_email.personal"]),
        ({"recovery_email": "jane.smith@example.gov"}, ["recovery_email.personal"]),
        ({"recovery_phone": "555-867-5309"}, ["recovery_phone.personal"]),
        ({"mfa_method": "none"}, ["mfa.off"]),
        ({"mfa_method": "sms"}, ["mfa.sms"]),
        ({"last_rotation": TODAY - dt.timedelta(days=91)}, ["rotation.overdue"]),
        ({"last_rotation": None}, ["rotation.unknown"]),
        ({"needs_rotation": True, "rotation_reason": "keeper left"}, ["rotation.flagged"]),
        ({"has_keeper": False, "keeper_active": False}, ["keeper.none"]),
        ({"keeper_active": False}, ["keeper.none"]),
        ({"keeper_roles": frozenset({"editor"})}, ["keeper.wrong_role"]),
        (
            {"privacy_checklist": {"location tagging off": False, "dm filter": True}},
            ["privacy.unchecked"],
        ),
    ],
)
def test_each_problem_is_one_finding(changes: dict[str, object], expected: list[str]) -> None:
    assert ids(_with(**changes)) == expected


def test_the_rotation_boundary_is_the_policy_interval() -> None:
    assert ids(_with(last_rotation=TODAY - dt.timedelta(days=90))) == []


def test_messages_say_what_and_how_to_fix() -> None:
    finding = account_posture(_with(mfa_method="sms"), POLICY, TODAY).findings[0]
    assert "SIM swapping" in finding.message
    assert finding.fix == "switch MFA to an authenticator app or a hardware key"
    offdomain = account_posture(_with(login_email="a@gmail.com"), POLICY, TODAY).findings[0]
    assert "social@example.gov, communications@example.gov" in offdomain.fix


def test_scores_subtract_by_severity_and_the_organization_averages() -> None:
    worst = account_posture(
        _with(mfa_method="none", login_email="a@gmail.com", last_rotation=None), POLICY, TODAY
    )
    assert [f.severity for f in worst.findings] == ["critical", "high", "medium"]
    assert worst.score == 100 - 40 - 25 - 10
    assert organization_score([worst, AccountPosture("b", ())]) == (25 + 100) // 2
    assert organization_score([]) is None
    hopeless = _with(
        mfa_method="none",
        login_email="a@gmail.com",
        recovery_email="b@gmail.com",
        has_keeper=False,
        keeper_active=False,
    )
    assert account_posture(hopeless, POLICY, TODAY).score == 0


@pytest.mark.django_db
def test_posture_reads_keeper_and_roles_from_the_registry(cast: Cast) -> None:
    posture = posture_for(cast.bluesky, POLICY, TODAY)
    assert [f.id for f in posture.findings] == ["rotation.unknown"]
    mastodon = posture_for(cast.mastodon, POLICY, TODAY)
    assert "keeper.none" in [f.id for f in mastodon.findings]

"""Policy versions: proposed, diffed, approved by another lead, audited; one active at a time."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from postguard.audit.models import AuditEvent
from postguard.core.actors import SYSTEM
from postguard.policy.loader import PolicyError
from postguard.policy.models import PolicyVersion
from postguard.policy.versions import (
    PolicyVersionError,
    active_policy,
    approve,
    bootstrap,
    propose,
    reject,
)
from tests.cast import CAST_POLICY, Cast

pytestmark = pytest.mark.django_db

NEW_POLICY = CAST_POLICY.replace("rotation_days: 90", "rotation_days: 30")


def test_a_proposal_takes_effect_only_when_another_lead_approves(cast: Cast) -> None:
    version = propose(cast.sam, NEW_POLICY, "rotate monthly")
    assert version.state == PolicyVersion.State.PROPOSED
    assert "-  rotation_days: 90\n+  rotation_days: 30\n" in version.diff
    policy = active_policy()
    assert policy is not None
    assert policy.credentials.rotation_days == 90

    approve(cast.lola, version, "agreed in the team meeting")

    version.refresh_from_db()
    cast.policy.refresh_from_db()
    assert version.state == PolicyVersion.State.ACTIVE
    assert version.approved_by == cast.lola
    assert cast.policy.state == PolicyVersion.State.SUPERSEDED
    policy = active_policy()
    assert policy is not None
    assert policy.credentials.rotation_days == 30
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions == [
        "policy.version.propose",
        "policy.version.supersede",
        "policy.version.approve",
    ]


def test_a_lead_never_approves_their_own_version(cast: Cast) -> None:
    version = propose(cast.lola, NEW_POLICY)
    with pytest.raises(PolicyVersionError, match="was proposed by you; another lead must approve"):
        approve(cast.lola, version)
    cast.lola.is_superuser = True
    cast.lola.save()
    with pytest.raises(PolicyVersionError):
        approve(cast.lola, version)
    approve(cast.leo, version)


@pytest.mark.parametrize("name", ["sam", "ada", "eddie", "rita", "nora", "mona"])
def test_only_a_lead_approves(cast: Cast, name: str) -> None:
    version = propose(cast.lola, NEW_POLICY)
    with pytest.raises(PermissionDenied, match=r"may not policy\.approve"):
        approve(getattr(cast, name), version)


def test_the_system_actor_cannot_approve(cast: Cast) -> None:
    version = propose(cast.lola, NEW_POLICY)
    with pytest.raises(PermissionDenied):
        approve(SYSTEM, version)


def test_an_invalid_policy_is_never_stored(cast: Cast) -> None:
    with pytest.raises(PolicyError, match="rotation_days"):
        propose(cast.lola, CAST_POLICY.replace("rotation_days: 90", "rotation_days: often"))
    assert PolicyVersion.objects.count() == 1


def test_a_stale_proposal_must_be_proposed_again(cast: Cast) -> None:
    first = propose(cast.lola, NEW_POLICY)
    second = propose(cast.sam, CAST_POLICY.replace("keeper: security", "keeper: lead"))
    approve(cast.leo, first)
    with pytest.raises(PolicyVersionError, match="propose the change again"):
        approve(cast.lola, second)


def test_rejected_versions_are_kept_with_the_reason(cast: Cast) -> None:
    version = propose(cast.sam, NEW_POLICY)
    with pytest.raises(PolicyVersionError, match="give a reason"):
        reject(cast.lola, version, "  ")
    reject(cast.lola, version, "30 days is too often for us")
    version.refresh_from_db()
    assert version.state == PolicyVersion.State.REJECTED
    assert version.decided_reason == "30 days is too often for us"
    with pytest.raises(PolicyVersionError, match="only a proposed version"):
        approve(cast.leo, version)


def test_bootstrap_installs_the_first_policy_only(db: None) -> None:
    version = bootstrap(SYSTEM, CAST_POLICY)
    assert version.state == PolicyVersion.State.ACTIVE
    assert version.author_name == "system (local operator)"
    with pytest.raises(PolicyVersionError, match="already active"):
        bootstrap(SYSTEM, NEW_POLICY)


def test_identical_text_is_not_a_new_version(cast: Cast) -> None:
    with pytest.raises(PolicyVersionError, match="identical to the active policy"):
        propose(cast.lola, CAST_POLICY)

"""can() and restrict() for the whole cast: who may do what, to which object."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from postguard.core.actors import SYSTEM
from postguard.core.permissions import (
    ACTIONS,
    UnknownActionError,
    can,
    clear_permission_cache,
    mfa_required,
)
from postguard.policy.models import PolicyVersion
from postguard.registry.models import Device, DirectoryEntry, Grant, Person, PlatformAccount
from postguard.registry.services import revoke_grant
from tests.cast import Cast

pytestmark = pytest.mark.django_db

EVERYONE = ("lola", "leo", "sam", "ada", "eddie", "rita", "connie", "ollie", "mona", "nora")

# action -> the cast members who may do it organization-wide (obj=None)
MATRIX: dict[str, set[str]] = {
    "registry.view": {"lola", "leo", "sam", "ada", "eddie", "rita", "connie", "ollie"},
    "account.create": {"lola", "leo", "sam"},
    "account.change": {"lola", "leo", "sam"},
    "posture.view": {"lola", "leo", "sam", "ada"},
    "person.offboard": {"lola", "leo", "sam"},
    "grant.create": {"lola", "leo"},
    "grant.revoke": {"lola", "leo", "sam"},
    "directory.import": {"lola", "leo", "sam"},
    "directory.view": {"lola", "leo", "sam", "ada"},
    "device.enroll": {"lola", "leo"},
    "policy.view": {"lola", "leo", "sam", "ada", "eddie", "rita", "connie", "ollie"},
    "policy.propose": {"lola", "leo", "sam"},
    "policy.approve": {"lola", "leo"},
    "audit.view": {"lola", "leo", "sam", "ada"},
    "audit.export": {"lola", "leo", "sam", "ada"},
    "post.draft": {"lola", "leo", "sam", "eddie", "connie", "ollie"},
    # mona holds editor but has no MFA: shut out of everything, like nora who holds nothing.
    "token.manage_own": {"lola", "leo", "sam", "ada", "eddie", "rita", "connie", "ollie", "nora"},
    "mfa.setup": set(EVERYONE),
}


@pytest.mark.parametrize("action_name", sorted(MATRIX))
def test_who_may_do_what(cast: Cast, action_name: str) -> None:
    allowed = {name for name in EVERYONE if can(getattr(cast, name), action_name)}
    assert allowed == MATRIX[action_name]


@pytest.mark.parametrize("action_name", sorted(ACTIONS))
def test_anonymous_may_do_nothing(action_name: str) -> None:
    assert not can(AnonymousUser(), action_name)
    assert not can(None, action_name)


def test_the_system_actor_administers_but_never_posts_or_approves() -> None:
    assert can(SYSTEM, "grant.create")
    assert can(SYSTEM, "directory.import")
    assert can(SYSTEM, "person.offboard")
    assert can(SYSTEM, "policy.bootstrap")
    assert not can(SYSTEM, "policy.approve")
    assert not can(SYSTEM, "post.approve")
    assert not can(SYSTEM, "post.publish")


def test_an_unknown_action_is_a_loud_programming_error(cast: Cast) -> None:
    with pytest.raises(UnknownActionError, match=r"unknown action 'registry\.veiw'"):
        can(cast.lola, "registry.veiw")


def test_per_account_roles_count_only_on_their_own_account(cast: Cast) -> None:
    assert can(cast.eddie, "account.view", cast.bluesky)
    assert not can(cast.eddie, "account.view", cast.mastodon)
    assert can(cast.ollie, "account.view", cast.mastodon)
    assert not can(cast.ollie, "account.view", cast.bluesky)
    # organization-wide roles see every account
    assert can(cast.ada, "account.view", cast.mastodon)
    # a per-account role never reaches objects that belong to no account
    assert not can(cast.eddie, "person.view", Cast.person(cast.rita))


def test_restrict_returns_what_can_allows(cast: Cast) -> None:
    accounts = PlatformAccount.objects.all()
    for name in EVERYONE:
        user = getattr(cast, name)
        expected = {a.pk for a in accounts if can(user, "account.view", a)}
        got = set(
            PlatformAccount.objects.restrict(user, "account.view").values_list("pk", flat=True)
        )
        assert got == expected, name
    assert set(PlatformAccount.objects.restrict(cast.eddie, "account.view")) == {cast.bluesky}
    assert PlatformAccount.objects.restrict(cast.nora, "account.view").count() == 0
    assert PlatformAccount.objects.restrict(AnonymousUser(), "account.view").count() == 0
    assert PlatformAccount.objects.restrict(SYSTEM, "account.view").count() == 2


def test_people_see_their_own_record_and_grants_only(cast: Cast) -> None:
    assert set(Person.objects.restrict(cast.eddie, "person.view")) == {Cast.person(cast.eddie)}
    assert can(cast.eddie, "person.view", Cast.person(cast.eddie))
    assert not can(cast.eddie, "person.view", Cast.person(cast.lola))
    own = Grant.objects.restrict(cast.eddie, "grant.view")
    assert {g.person.user for g in own} == {cast.eddie}
    assert Person.objects.restrict(cast.ada, "person.view").count() == 10


def test_nobody_grants_themselves_access(cast: Cast) -> None:
    assert can(cast.lola, "grant.create", Cast.person(cast.eddie))
    assert not can(cast.lola, "grant.create", Cast.person(cast.lola))


def test_nobody_approves_their_own_policy_version_not_even_a_superuser(cast: Cast) -> None:
    cast.lola.is_superuser = True
    cast.lola.save()
    version = PolicyVersion.objects.create(
        number=2, yaml_text="x", sha256="0" * 64, author=cast.lola, author_name="lola"
    )
    assert not can(cast.lola, "policy.approve", version)
    assert can(cast.leo, "policy.approve", version)
    assert list(PolicyVersion.objects.restrict(cast.lola, "policy.approve")) == [cast.policy]
    assert version in PolicyVersion.objects.restrict(cast.leo, "policy.approve")


def test_the_superuser_flag_grants_nothing(cast: Cast) -> None:
    cast.nora.is_superuser = True
    cast.nora.is_staff = True
    cast.nora.save()
    assert not can(cast.nora, "registry.view")
    assert not can(cast.nora, "audit.view")


def test_mfa_gate_shuts_out_roles_that_approve_or_publish(cast: Cast) -> None:
    assert mfa_required(cast.mona)
    assert not mfa_required(cast.eddie)
    # contributors and auditors need no MFA; neither does someone with no role
    assert not mfa_required(cast.connie)
    assert not mfa_required(cast.ada)
    assert not mfa_required(cast.nora)
    assert not can(cast.mona, "account.view", cast.bluesky)
    assert not can(cast.mona, "post.draft")
    assert can(cast.mona, "mfa.setup")
    assert can(cast.mona, "session.manage_own")
    assert PlatformAccount.objects.restrict(cast.mona, "account.view").count() == 0


def test_unenrolled_devices_may_only_draft_by_default(cast: Cast) -> None:
    assert can(cast.eddie, "post.draft", enrolled=False)
    assert not can(cast.eddie, "post.publish", enrolled=False)
    assert can(cast.eddie, "post.publish", enrolled=True)
    assert not can(cast.rita, "post.approve", enrolled=False)
    assert can(cast.rita, "post.approve", enrolled=True)


def test_the_policy_decides_what_unenrolled_devices_may_do(cast: Cast) -> None:
    cast.policy.yaml_text += "devices:\n  unenrolled_may: [draft, submit, approve]\n"
    cast.policy.sha256 = "1" * 64
    cast.policy.save()
    assert can(cast.rita, "post.approve", enrolled=False)
    assert not can(cast.eddie, "post.publish", enrolled=False)


class _Request:
    def __init__(self, device: Device | None) -> None:
        self.device = device


def test_the_device_comes_from_the_request(cast: Cast) -> None:
    device = Device.objects.create(name="comms laptop", token_hash="a" * 64, enrolled_by_name="t")
    assert can(cast.eddie, "post.publish", request=_Request(device))  # type: ignore[arg-type]
    assert not can(cast.eddie, "post.publish", request=_Request(None))  # type: ignore[arg-type]


def test_revoked_and_expired_grants_count_for_nothing(cast: Cast) -> None:
    grant = Grant.objects.get(person__user=cast.eddie)
    revoke_grant(cast.lola, grant, reason="moved to another team")
    clear_permission_cache(cast.eddie)
    assert not can(cast.eddie, "account.view", cast.bluesky)


def test_directory_and_audit_are_closed_to_posting_roles(cast: Cast) -> None:
    DirectoryEntry.objects.create(name="Jane Smith", email="jane.smith@example.gov")
    for name in ("eddie", "rita", "connie", "ollie", "nora"):
        user: Any = getattr(cast, name)
        assert DirectoryEntry.objects.restrict(user, "directory.view").count() == 0, name
    assert DirectoryEntry.objects.restrict(cast.ada, "directory.view").count() == 1


def test_audit_events_are_for_lead_security_and_auditor(cast: Cast) -> None:
    from postguard.audit.log import record
    from postguard.audit.models import AuditEvent

    record("test.event", actor=cast.lola)
    visible = {n for n in EVERYONE if AuditEvent.objects.restrict(getattr(cast, n), "audit.view")}
    assert visible == {"lola", "leo", "sam", "ada"}
    assert AuditEvent.objects.restrict(SYSTEM, "audit.view").count() == 1


def test_per_account_roles_never_reach_objects_of_no_account(cast: Cast) -> None:
    # Connie may read the policy in force (asked without an object), but policy versions,
    # proposals in flight included, belong to no account, so her per-account role stops there.
    assert can(cast.connie, "policy.view")
    assert not can(cast.connie, "policy.view", cast.policy)
    assert PolicyVersion.objects.restrict(cast.connie, "policy.view").count() == 0
    assert can(cast.ada, "policy.view", cast.policy)


def test_an_expired_grant_counts_for_nothing(cast: Cast) -> None:
    import datetime as dt

    from django.utils import timezone

    Grant.objects.filter(person__user=cast.ollie).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    clear_permission_cache(cast.ollie)
    assert not can(cast.ollie, "account.view", cast.mastodon)
    assert PlatformAccount.objects.restrict(cast.ollie, "account.view").count() == 0

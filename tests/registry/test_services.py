"""Registry changes through the services: permissions, precise errors, audit events."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from postguard.audit.models import AuditEvent
from postguard.core.actors import SYSTEM
from postguard.core.permissions import can, clear_permission_cache
from postguard.registry.models import Grant, Person, PlatformAccount
from postguard.registry.services import (
    RegistryError,
    create_account,
    create_person,
    grant_role,
    offboard,
    record_rotation,
    revoke_grant,
    update_account,
)
from tests.cast import TOTP_SECRET, Cast

pytestmark = pytest.mark.django_db


def test_the_lead_grants_a_per_account_role_with_a_reason(cast: Cast) -> None:
    grant = grant_role(
        cast.lola,
        Cast.person(cast.nora),
        "reviewer",
        account=cast.mastodon,
        reason="covers Fridays",
    )
    assert grant.granted_by == cast.lola
    # reviewers need MFA before the role counts for anything
    assert not can(cast.nora, "account.view", cast.mastodon)
    TOTP.activate(cast.nora, TOTP_SECRET)
    assert can(cast.nora, "account.view", cast.mastodon)
    event = AuditEvent.objects.get(action="registry.grant.create")
    assert event.actor_name == "Lola <lola@example.gov>"
    assert event.after is not None
    assert event.after["role"] == "reviewer"


@pytest.mark.parametrize(
    ("role", "account", "reason", "message"),
    [
        ("boss", None, "x", "'boss' is not a role; use one of: lead, security"),
        ("lead", "bluesky", "x", "lead is an organization-wide role"),
        ("editor", None, "x", "editor is granted per platform account; name the account"),
        ("auditor", None, " ", "reason: say why"),
    ],
)
def test_bad_grants_are_refused_precisely(
    cast: Cast, role: str, account: str | None, reason: str, message: str
) -> None:
    target = getattr(cast, account) if account else None
    with pytest.raises(RegistryError, match=message):
        grant_role(cast.lola, Cast.person(cast.nora), role, account=target, reason=reason)
    assert not AuditEvent.objects.exists()


def test_a_duplicate_open_grant_is_refused(cast: Cast) -> None:
    with pytest.raises(RegistryError, match="already holds editor on Bluesky"):
        grant_role(cast.lola, Cast.person(cast.eddie), "editor", account=cast.bluesky, reason="x")


@pytest.mark.parametrize("name", ["sam", "ada", "eddie", "nora", "mona"])
def test_only_a_lead_grants(cast: Cast, name: str) -> None:
    with pytest.raises(PermissionDenied):
        grant_role(getattr(cast, name), Cast.person(cast.nora), "auditor", reason="x")


def test_nobody_grants_themselves(cast: Cast) -> None:
    with pytest.raises(PermissionDenied, match=r"may not grant\.create"):
        grant_role(cast.lola, Cast.person(cast.lola), "editor", account=cast.bluesky, reason="x")


def test_revoke_records_who_and_why(cast: Cast) -> None:
    grant = Grant.objects.get(person__user=cast.ollie)
    revoke_grant(cast.sam, grant, reason="left the Mastodon rota")
    grant.refresh_from_db()
    assert grant.revoked_by == cast.sam
    assert grant.revoke_reason == "left the Mastodon rota"
    with pytest.raises(RegistryError, match="already revoked"):
        revoke_grant(cast.lola, grant, reason="again")
    event = AuditEvent.objects.get(action="registry.grant.revoke")
    assert event.before is not None
    assert event.before["revoked_at"] is None


def _sign_in_session(user_id: int) -> str:
    store = SessionStore()
    store["_auth_user_id"] = str(user_id)
    store.create()
    assert store.session_key is not None
    return store.session_key


def test_offboarding_is_one_action(cast: Cast) -> None:
    person = Cast.person(cast.sam)
    key = _sign_in_session(cast.sam.pk)
    other = _sign_in_session(cast.lola.pk)
    report = offboard(cast.lola, person, reason="left the county")

    assert report.grants_revoked == 1
    assert report.sessions_ended >= 1
    assert report.accounts_flagged == ["Bluesky examplecounty.bsky.social"]
    assert not Grant.objects.active().filter(person=person).exists()
    assert not Session.objects.filter(session_key=key).exists()
    assert Session.objects.filter(session_key=other).exists()
    person.refresh_from_db()
    assert person.status == Person.Status.OFFBOARDED
    assert not person.user.is_active
    cast.bluesky.refresh_from_db()
    assert cast.bluesky.needs_rotation
    assert "left the county" in cast.bluesky.rotation_reason
    clear_permission_cache(cast.sam)
    cast.sam.refresh_from_db()
    assert not can(cast.sam, "registry.view")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "registry.grant.revoke",
        "registry.account.flag_rotation",
        "registry.person.offboard",
    } <= actions


def test_offboarding_ends_api_tokens(cast: Cast) -> None:
    from postguard.api.models import ApiToken
    from postguard.api.tokens import create_token

    token, _ = create_token(cast.eddie, "scheduler")
    report = offboard(cast.lola, Cast.person(cast.eddie), reason="contract ended")
    assert report.tokens_revoked == 1
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiToken.objects.filter(user=cast.eddie, revoked_at__isnull=True).count() == 0


def test_offboarding_needs_a_reason_the_role_and_someone_else(cast: Cast) -> None:
    with pytest.raises(RegistryError, match="reason"):
        offboard(cast.lola, Cast.person(cast.eddie), reason="")
    with pytest.raises(PermissionDenied):
        offboard(cast.eddie, Cast.person(cast.rita), reason="x")
    with pytest.raises(PermissionDenied):
        offboard(cast.lola, Cast.person(cast.lola), reason="x")
    offboard(cast.lola, Cast.person(cast.eddie), reason="x")
    with pytest.raises(RegistryError, match="already offboarded"):
        offboard(cast.leo, Cast.person(cast.eddie), reason="x")


def test_the_system_actor_offboards_and_is_named_in_the_log(cast: Cast) -> None:
    offboard(SYSTEM, Cast.person(cast.rita), reason="left")
    event = AuditEvent.objects.get(action="registry.person.offboard")
    assert event.actor_name == "system (local operator)"
    assert event.actor_id == ""


def test_accounts_are_created_and_changed_with_validation(cast: Cast) -> None:
    account = create_account(
        cast.sam, platform="bluesky", handle="parks.example.gov", login_email="Ana@Gmail.com"
    )
    assert account.login_email == "ana@gmail.com"
    with pytest.raises(RegistryError, match="already registered"):
        create_account(cast.sam, platform="bluesky", handle="PARKS.example.gov")
    with pytest.raises(RegistryError, match="platform: 'myspace' is not supported"):
        create_account(cast.sam, platform="myspace", handle="x")
    with pytest.raises(RegistryError, match="login_email: 'not an email'"):
        update_account(cast.sam, account, login_email="not an email")
    with pytest.raises(RegistryError, match="mfa_method: 'carrier pigeon'"):
        update_account(cast.sam, account, mfa_method="carrier pigeon")
    with pytest.raises(RegistryError, match="unknown account field"):
        update_account(cast.sam, account, password="hunter2")
    with pytest.raises(PermissionDenied):
        update_account(cast.eddie, cast.bluesky, mfa_method="none")
    update_account(cast.sam, account, login_email="social@example.gov", mfa_method="app")
    event = AuditEvent.objects.filter(action="registry.account.change").get()
    assert event.before is not None
    assert event.after is not None
    assert (event.before["login_email"], event.after["login_email"]) == (
        "ana@gmail.com",
        "social@example.gov",
    )


def test_recording_a_rotation_clears_the_flag(cast: Cast) -> None:
    PlatformAccount.objects.filter(pk=cast.bluesky.pk).update(needs_rotation=True)
    account = record_rotation(cast.sam, cast.bluesky)
    assert not account.needs_rotation
    assert account.last_rotation == timezone.localdate()
    with pytest.raises(RegistryError, match="cannot be in the future"):
        record_rotation(cast.sam, cast.bluesky, when=timezone.localdate() + dt.timedelta(days=1))


def test_a_person_is_created_once(cast: Cast) -> None:
    person = create_person(cast.lola, "Pat@Example.gov", "Pat Jones", team="parks")
    assert person.user.email == "pat@example.gov"
    assert not person.user.has_usable_password()
    with pytest.raises(RegistryError, match="already a team member"):
        create_person(cast.lola, "pat@example.gov", "Pat")
    with pytest.raises(PermissionDenied):
        create_person(cast.sam, "x@example.gov", "X")


def test_recertify_is_recorded_and_never_for_oneself(cast: Cast) -> None:
    from postguard.registry.services import recertify_grant

    grant = Grant.objects.get(person__user=cast.eddie)
    recertify_grant(cast.sam, grant, note="still on the rota")
    grant.refresh_from_db()
    assert grant.recertified_at is not None
    own = Grant.objects.get(person__user=cast.sam)
    with pytest.raises(PermissionDenied):
        recertify_grant(cast.sam, own)
    assert AuditEvent.objects.filter(action="registry.grant.recertify").count() == 1


def test_update_person(cast: Cast) -> None:
    from postguard.registry.services import update_person

    update_person(cast.lola, Cast.person(cast.eddie), name="Edward Evans", team="digital")
    cast.eddie.refresh_from_db()
    assert str(cast.eddie) == "Edward Evans"
    with pytest.raises(PermissionDenied):
        update_person(cast.eddie, Cast.person(cast.eddie), team="x")


def test_offboarding_tells_the_other_apps(cast: Cast) -> None:
    from postguard.registry.services import person_offboarded

    heard: list[tuple[str, str]] = []

    def receiver(sender: object, person: Person, actor: object, reason: str, **_: object) -> None:
        heard.append((person.user.email, reason))

    person_offboarded.connect(receiver)
    try:
        offboard(cast.lola, Cast.person(cast.connie), reason="internship over")
    finally:
        person_offboarded.disconnect(receiver)
    assert heard == [("connie@example.gov", "internship over")]

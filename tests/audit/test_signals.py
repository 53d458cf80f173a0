"""Sign-in, failed sign-in, sign-out and MFA changes land in the audit log; passwords never do."""

from __future__ import annotations

import json

import pytest
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from axes.signals import user_locked_out
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from postguard.audit.export import event_line
from postguard.audit.models import AuditEvent
from postguard.core.models import User

PASSWORD = "correct horse battery staple"
WRONG = "wrong-but-secret-password-9"


@pytest.fixture
def rita(db: None) -> User:
    return User.objects.create_user(
        username="audit-rita",
        email="audit.rita@example.gov",
        password=PASSWORD,
        display_name="Rita Reviewer",
    )


def everything_logged() -> str:
    return json.dumps([event_line(e) for e in AuditEvent.objects.all()])


def test_signing_in_and_out_is_recorded(rita: User) -> None:
    client = Client(REMOTE_ADDR="198.51.100.4")
    client.force_login(rita)
    client.post(reverse("account_logout"))
    actions = list(AuditEvent.objects.values_list("action", "actor_name", "object_id"))
    assert ("auth.login", "Rita Reviewer <audit.rita@example.gov>", str(rita.pk)) in actions
    assert ("auth.logout", "Rita Reviewer <audit.rita@example.gov>", str(rita.pk)) in actions


def test_a_failed_sign_in_records_who_was_tried_never_the_password(rita: User) -> None:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.7")
    assert authenticate(request, email="audit.rita@example.gov", password=WRONG) is None
    event = AuditEvent.objects.get(action="auth.login.failed")
    assert event.actor_name == "unauthenticated: audit.rita@example.gov"
    assert event.actor_id == ""
    assert event.ip == "203.0.113.7"
    assert WRONG not in everything_logged()


def test_a_failed_sign_in_through_the_sign_in_page(rita: User) -> None:
    client = Client(REMOTE_ADDR="203.0.113.8")
    client.post(reverse("account_login"), {"login": "audit.rita@example.gov", "password": WRONG})
    failed = AuditEvent.objects.filter(action="auth.login.failed")
    assert failed.exists()
    assert {e.ip for e in failed} == {"203.0.113.8"}
    assert WRONG not in everything_logged()
    assert not AuditEvent.objects.filter(action="auth.login").exists()


def test_mfa_changes_are_recorded_without_their_secrets(rita: User) -> None:
    authenticator = Authenticator.objects.create(
        user=rita, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    request = RequestFactory().post("/accounts/2fa/totp/activate")
    request.user = rita
    mfa_signals.authenticator_added.send(
        sender=Authenticator, request=request, user=rita, authenticator=authenticator
    )
    mfa_signals.authenticator_removed.send(
        sender=Authenticator, request=request, user=rita, authenticator=authenticator
    )
    added = AuditEvent.objects.get(action="auth.mfa.add")
    assert added.actor_name == "Rita Reviewer <audit.rita@example.gov>"
    assert added.object_type == "mfa.authenticator"
    assert added.object_repr == "totp authenticator of Rita Reviewer"
    assert AuditEvent.objects.filter(action="auth.mfa.remove").exists()
    assert "JBSWY3DPEHPK3PXP" not in everything_logged()


def test_a_lockout_is_recorded(rita: User) -> None:
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="203.0.113.9")
    user_locked_out.send(
        "axes", request=request, username="audit.rita@example.gov", ip_address="203.0.113.9"
    )
    event = AuditEvent.objects.get(action="auth.lockout")
    assert event.actor_name == "unauthenticated: audit.rita@example.gov"
    assert event.ip == "203.0.113.9"

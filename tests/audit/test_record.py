"""record(): each event chained to the one before, secrets redacted, the database refusing edits."""

from __future__ import annotations

import datetime as dt
import decimal
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from postguard.audit import chain
from postguard.audit.log import audit_context, event_fields, record
from postguard.audit.middleware import RequestIdMiddleware
from postguard.audit.models import AuditEvent
from postguard.core.models import User


@pytest.fixture
def lola(db: None) -> User:
    return User.objects.create_user(
        username="audit-lola",
        email="audit.lola@example.gov",
        password="x" * 16,
        display_name="Lola Lead",
    )


def test_each_event_links_to_the_previous_one(db: None) -> None:
    first = record("policy.version.propose", actor_name="system")
    second = record("policy.version.approve", actor_name="system")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == chain.GENESIS_HASH
    assert second.prev_hash == first.hash
    stored = AuditEvent.objects.get(pk=second.pk)
    assert chain.compute_hash(event_fields(stored)) == stored.hash == second.hash


def test_actor_and_object_are_kept_as_text_and_survive_deletion(lola: User) -> None:
    event = record("registry.person.update", actor=lola, obj=lola, after={"team": "comms"})
    lola_pk = lola.pk
    lola.delete()
    event = AuditEvent.objects.get(pk=event.pk)
    assert event.actor_id == str(lola_pk)
    assert event.actor_name == "Lola Lead <audit.lola@example.gov>"
    assert (event.object_type, event.object_id) == ("core.user", str(lola_pk))
    assert event.object_repr == "Lola Lead"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "token",
        "secret",
        "app_password",
        "key",
        "totp",
        "api_key",
        "accessToken",
        "client_secret",
        "recovery_codes",
        "private_key",
        "refresh-token",
        "otp",
    ],
)
def test_secrets_never_enter_the_log(db: None, key: str) -> None:
    event = record(
        "registry.account.update",
        actor_name="system",
        before={key: "hunter2-before", "handle": "@county"},
        after={"nested": [{key: "hunter2-after"}], "keeper": "security"},
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.before == {key: "[redacted]", "handle": "@county"}
    assert stored.after == {"nested": [{key: "[redacted]"}], "keeper": "security"}
    assert "hunter2" not in json.dumps([stored.before, stored.after])


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password_hash", True),
        ("totp_secret", True),
        ("token_hash", True),
        ("sessionid", True),
        ("token_scopes", False),
        ("credential_keeper", False),
        ("keeper_role", False),
        ("password_changed_at", False),
        ("monkey", False),
        ("key_id", False),
    ],
)
def test_which_keys_are_secrets(key: str, secret: bool) -> None:
    assert chain.is_secret_key(key) is secret


def test_a_private_key_in_any_value_is_redacted(db: None) -> None:
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEA\n-----END..."
    event = record("x.update", actor_name="system", after={"notes": pem})
    assert AuditEvent.objects.get(pk=event.pk).after == {"notes": "[redacted]"}


def test_snapshots_are_stored_as_they_were_hashed(db: None) -> None:
    event = record(
        "x.update",
        actor_name="system\x00\ud800",
        after={
            "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
            "amount": decimal.Decimal("1.10"),
            "ratio": float("nan"),
            "tags": ("a", "b"),
            7: "int key",
        },
    )
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_name == "system\ufffd\ufffd"
    assert stored.after == {
        "when": "2026-01-02T03:04:05+00:00",
        "amount": "1.10",
        "ratio": "nan",
        "tags": ["a", "b"],
        "7": "int key",
    }
    assert chain.compute_hash(event_fields(stored)) == stored.hash


def test_numbers_survive_the_database_unchanged(db: None) -> None:
    numbers = [1e16, 1.5e300, -0.0, 1.0, 0.1, 0.30000000000000004, 1e-7, 2**70, -3]
    event = record("x.update", actor_name="system", after={"numbers": numbers})
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.after == {
        "numbers": [10**16, int(1.5e300), 0, 1, 0.1, 0.30000000000000004, 1e-7, 2**70, -3]
    }
    assert chain.compute_hash(event_fields(stored)) == stored.hash


def test_an_event_rolls_back_with_the_change_it_describes(db: None) -> None:
    def failing_change() -> None:
        with transaction.atomic():
            record("registry.grant.create", actor_name="system")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not AuditEvent.objects.exists()
    assert record("registry.grant.create", actor_name="system").seq == 1


def test_one_request_shares_one_request_id(lola: User) -> None:
    seen: list[AuditEvent] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(record("registry.grant.create", obj=lola))
        seen.append(record("registry.grant.revoke", obj=lola))
        return HttpResponse("ok")

    request = RequestFactory().post("/grants", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Fx")
    request.user = lola
    response = RequestIdMiddleware(view)(request)
    other = RequestIdMiddleware(view)(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
    first, second, third, _ = seen
    assert first.request_id == second.request_id == response["X-Request-ID"]
    assert third.request_id == other["X-Request-ID"] != first.request_id
    assert first.actor_name == "Lola Lead <audit.lola@example.gov>"
    assert (first.ip, first.device) == ("203.0.113.9", "unenrolled: Fx")


def test_commands_group_their_events_with_a_context(db: None) -> None:
    with audit_context(actor_name="cli:import-directory", device="cli") as context:
        first = record("registry.directory.import")
        second = record("registry.directory.import")
    alone = record("x.other", actor_name="system")
    assert first.request_id == second.request_id == context.request_id != alone.request_id
    assert (first.actor_name, first.device) == ("cli:import-directory", "cli")


def test_an_action_is_required(db: None) -> None:
    with pytest.raises(ValueError, match="needs an action"):
        record("")


def test_the_database_refuses_update_and_delete(db: None) -> None:
    event = record("x.create", actor_name="system")
    with pytest.raises(IntegrityError, match="append-only: UPDATE"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="x.nothing")
    with pytest.raises(IntegrityError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises(IntegrityError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditevent")
    if connection.vendor == "postgresql":
        with (
            pytest.raises(IntegrityError, match="append-only: TRUNCATE"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("TRUNCATE audit_auditevent")
    assert AuditEvent.objects.get(pk=event.pk).action == "x.create"

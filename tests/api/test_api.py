"""The REST API: the same permission rules as the web app, token and session auth, JSON errors
with field paths, the OpenAPI schema, and vetting."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from postguard.api.models import ApiToken
from postguard.api.tokens import create_token
from postguard.audit.models import AuditEvent
from postguard.registry.models import DirectoryEntry, Grant, PlatformAccount
from tests.web.conftest import signed_in
from tests.web.world import World, build_world

WHO = ("anonymous", "nora", "mona", "eddie", "ollie", "ada", "sam", "lola", "leo")

# GET endpoints: unlisted people get `default`; anonymous always 401 and mona (MFA gate) 403.
READS: list[tuple[str, str, dict[str, int]]] = [
    ("me", "/api/v1/me", {"default": 200}),
    ("my tokens", "/api/v1/tokens", {"default": 200}),
    ("organization", "/api/v1/organization", {"default": 200, "nora": 403}),
    ("people", "/api/v1/people", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    (
        "person",
        "/api/v1/people/{eddie}",
        {"default": 404, "eddie": 200, "ada": 200, "sam": 200, "lola": 200},
    ),
    ("grants", "/api/v1/grants", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("accounts", "/api/v1/accounts", {"default": 200, "nora": 403}),
    ("account", "/api/v1/accounts/{bluesky}", {"default": 200, "nora": 404, "ollie": 404}),
    (
        "account connection",
        "/api/v1/accounts/{bluesky}/connection",
        {"default": 200, "nora": 404, "ollie": 404},
    ),
    ("posture", "/api/v1/posture", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("directory", "/api/v1/directory", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("devices", "/api/v1/devices", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("policy versions", "/api/v1/policy/versions", {"default": 200, "nora": 403}),
    ("active policy", "/api/v1/policy/active", {"default": 200, "nora": 403}),
    ("audit events", "/api/v1/audit/events", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("audit export", "/api/v1/audit/export", {"default": 403, "ada": 200, "sam": 200, "lola": 200}),
    ("schedule", "/api/v1/schedule", {"default": 200, "nora": 403}),
    ("archive", "/api/v1/archive", {"default": 200, "nora": 403}),
    ("archive export", "/api/v1/archive/export?format=json", {"default": 200, "nora": 403}),
    ("pauses", "/api/v1/pauses", {"default": 200, "nora": 403}),
    ("integrity alerts", "/api/v1/alerts", {"default": 200, "nora": 403}),
]


def expected(rules: dict[str, int], who: str) -> int:
    if who == "anonymous":
        return 401
    if who == "mona":
        return 403
    if who == "leo" and "leo" not in rules and "lola" in rules:
        return rules["lola"]
    return rules.get(who, rules["default"])


@pytest.fixture
def world(cast: Any) -> World:
    return build_world(cast)


def client_as(world: World, who: str, **kwargs: Any) -> Client:
    return signed_in(None if who == "anonymous" else getattr(world.cast, who), **kwargs)


@pytest.mark.parametrize(
    ("path", "who", "want"),
    [
        pytest.param(path, who, expected(rules, who), id=f"{name}-{who}")
        for name, path, rules in READS
        for who in WHO
    ],
)
def test_read_permissions(world: World, path: str, who: str, want: int) -> None:
    response = client_as(world, who).get(path.format(**world.ids()))
    assert response.status_code == want
    if want >= 400:
        body = response.json()
        assert isinstance(body["detail"], str)
        assert body["detail"]


# Changes: (name, path, body, who -> status). The right role succeeds; everyone else changes
# nothing (checked by the status and, in the tests below, by the database).
WRITES: list[tuple[str, str, dict[str, Any], dict[str, int]]] = [
    (
        "add account",
        "/api/v1/accounts",
        {"platform": "x", "handle": "@api", "login_email": "social@example.gov"},
        {"default": 403, "sam": 201, "lola": 201},
    ),
    (
        "add person",
        "/api/v1/people",
        {"email": "pat.new@example.gov", "name": "Pat New", "team": "communications"},
        {"default": 403, "lola": 201},
    ),
    (
        "grant",
        "/api/v1/people/{eddie}/grants",
        {"role": "reviewer", "account_id": "{mastodon}", "reason": "cover"},
        {"default": 404, "eddie": 403, "ada": 403, "sam": 403, "lola": 201},
    ),
    (
        "grant to oneself",
        "/api/v1/people/{lola}/grants",
        {"role": "security", "reason": "why not"},
        {"default": 404, "ada": 403, "sam": 403, "lola": 403, "leo": 201},
    ),
    (
        "revoke",
        "/api/v1/grants/{eddie_grant}/revoke",
        {"reason": "done"},
        {"default": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
    ),
    (
        "offboard",
        "/api/v1/people/{eddie}/offboard",
        {"reason": "left"},
        {"default": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
    ),
    (
        "record rotation",
        "/api/v1/accounts/{bluesky}/rotation",
        {"when": "2026-11-01"},
        {"default": 403, "nora": 404, "ollie": 404, "sam": 200, "lola": 200},
    ),
    (
        "import directory",
        "/api/v1/directory/import",
        {"csv": "name,email\nAna Lopez,ana@example.gov\n"},
        {"default": 403, "sam": 200, "lola": 200},
    ),
    (
        "propose policy",
        "/api/v1/policy/versions",
        {"yaml_text": "organization: X\ndomains: [x.gov]\n"},
        {"default": 403, "sam": 201, "lola": 201},
    ),
    (
        "approve policy",
        "/api/v1/policy/versions/{proposal}/approve",
        {},
        {"default": 403, "nora": 404, "eddie": 404, "ollie": 404, "lola": 403, "leo": 200},
    ),
    (
        "pause everything",
        "/api/v1/pauses",
        {"reason": "incident"},
        {"default": 403, "sam": 201, "lola": 201},
    ),
    (
        "pause an account",
        "/api/v1/pauses",
        {"account_id": "{bluesky}", "reason": "suspected takeover"},
        {"default": 403, "nora": 404, "ollie": 404, "sam": 201, "lola": 201},
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    return value


@pytest.mark.parametrize(
    ("path", "body", "who", "want"),
    [
        pytest.param(path, body, who, expected(rules, who), id=f"{name}-{who}")
        for name, path, body, rules in WRITES
        for who in WHO
    ],
)
def test_write_permissions(
    world: World, path: str, body: dict[str, Any], who: str, want: int
) -> None:
    ids = world.ids()
    payload = {k: _fill(v, ids) for k, v in body.items()}
    client = client_as(world, who, reauthenticated=True)
    before = AuditEvent.objects.count()
    response = client.post(path.format(**ids), json.dumps(payload), content_type="application/json")
    assert response.status_code == want, response.content
    if want >= 400:
        assert AuditEvent.objects.count() == before  # nothing changed, nothing recorded


# --- tokens ------------------------------------------------------------------------------------


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_acts_as_its_owner_and_no_more(world: World) -> None:
    _, token = create_token(world.cast.ada, "export", "read")
    client = Client()
    assert client.get("/api/v1/audit/events", headers=bearer(token)).status_code == 200
    # ada is an auditor: her token cannot add accounts, whatever its scope.
    _, write_token = create_token(world.cast.ada, "oops", "write")
    response = client.post(
        "/api/v1/accounts",
        json.dumps({"platform": "x", "handle": "@t"}),
        content_type="application/json",
        headers=bearer(write_token),
    )
    assert response.status_code == 403


def test_a_read_token_cannot_change_anything(world: World) -> None:
    _, token = create_token(world.cast.sam, "read only", "read")
    response = Client().post(
        "/api/v1/accounts",
        json.dumps({"platform": "x", "handle": "@t"}),
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]
    assert not PlatformAccount.objects.filter(handle="@t").exists()


def test_a_write_token_changes_things_without_csrf(world: World) -> None:
    _, token = create_token(world.cast.sam, "automation", "write")
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/accounts",
        json.dumps({"platform": "x", "handle": "@t", "login_email": "joe@gmail.com"}),
        content_type="application/json",
        headers=bearer(token),
    )
    assert response.status_code == 201
    ids = {f["id"] for f in response.json()["findings"]}
    assert "login_email.off_domain" in ids


def test_revoked_expired_and_unknown_tokens_are_refused(world: World) -> None:
    token_row, token = create_token(world.cast.sam, "old", "read", days=1)
    client = Client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=token_row.pk).update(expires_at="2000-01-01T00:00:00Z")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    _, token2 = create_token(world.cast.sam, "new", "read")
    assert (
        client.post(
            f"/api/v1/tokens/{ApiToken.objects.get(name='new').pk}/revoke", headers=bearer(token2)
        ).status_code
        == 200
    )
    assert client.get("/api/v1/me", headers=bearer(token2)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer("pgt_" + "x" * 43)).status_code == 401


def test_offboarding_revokes_tokens(world: World) -> None:
    _, token = create_token(world.cast.eddie, "script", "read")
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post(
        f"/api/v1/people/{world.eddie_person.pk}/offboard",
        json.dumps({"reason": "left"}),
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["tokens_revoked"] == 1
    assert Client().get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_records_last_use(world: World) -> None:
    row, token = create_token(world.cast.sam, "cron", "read")
    Client().get("/api/v1/me", headers=bearer(token))
    row.refresh_from_db()
    assert row.last_used_at is not None


# --- sessions, CSRF, re-authentication ---------------------------------------------------------


def test_session_writes_need_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cast.sam, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(
        "/api/v1/accounts",
        json.dumps({"platform": "x", "handle": "@c"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not PlatformAccount.objects.filter(handle="@c").exists()


def test_sensitive_session_calls_need_a_recent_reauthentication(world: World) -> None:
    response = signed_in(world.cast.lola).post(
        f"/api/v1/people/{world.eddie_person.pk}/offboard",
        json.dumps({"reason": "left"}),
        content_type="application/json",
    )
    assert response.status_code == 401
    assert "re-authenticate" in response.json()["detail"]
    assert Grant.objects.active().filter(person=world.eddie_person).exists()


# --- errors ------------------------------------------------------------------------------------


def test_schema_errors_name_the_field(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/api/v1/accounts", json.dumps({"handle": 5}), content_type="application/json"
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert "body.payload.platform" in fields


def test_service_errors_name_the_field(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/api/v1/accounts",
        json.dumps({"platform": "x", "handle": "@e", "login_email": "not an email"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.login_email"


def test_a_bad_policy_proposal_lists_lines_and_columns(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/api/v1/policy/versions",
        json.dumps({"yaml_text": "organization: X\ndomains: [x.gov]\nreview:\n  cadence: often\n"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("body.yaml_text:4:")


def test_a_bad_directory_row_is_reported_and_nothing_imported(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/api/v1/directory/import",
        json.dumps({"csv": "name,email\nAna,ana@example.gov\nBen,not-an-email\n"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.csv:row 3:email"
    assert DirectoryEntry.objects.count() == 0


def test_unknown_endpoints_answer_json(world: World) -> None:
    response = signed_in(world.cast.sam).get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["detail"]


# --- schema and vetting ------------------------------------------------------------------------


def test_openapi_schema_describes_the_endpoints(world: World) -> None:
    schema = signed_in(world.cast.nora).get("/api/v1/openapi.json").json()
    assert {"/api/v1/vet", "/api/v1/accounts", "/api/v1/policy/versions"} <= set(schema["paths"])


def test_vet_answers_with_the_engines_report(world: World) -> None:
    response = signed_in(world.cast.eddie).post(
        "/api/v1/vet",
        json.dumps(
            {"text": "Call Jane at 555-867-5309 or jane.doe@example.gov", "platforms": ["bluesky"]}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["verdict"] == "block"
    phone = next(f for f in report["findings"] if f["rule"] == "pii.phone")
    assert (phone["start"], phone["end"], phone["text"]) == (13, 25, "555-867-5309")


def test_vet_finds_names_as_the_cli_does(world: World) -> None:
    """The API uses the same engine as `postguard vet`, name finder included."""
    text = "Many thanks to Margaret Thornton for organizing the food drive."
    response = signed_in(world.cast.eddie).post(
        "/api/v1/vet", json.dumps({"text": text}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    people = [f["text"] for f in response.json()["findings"] if f["rule"] == "pii.person"]
    assert people == ["Margaret Thornton"]


def test_vet_names_a_bad_platform(world: World) -> None:
    response = signed_in(world.cast.eddie).post(
        "/api/v1/vet",
        json.dumps({"text": "hi", "platforms": ["myspace"]}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body.platforms.0"


def test_vet_needs_a_role(world: World) -> None:
    response = signed_in(world.cast.nora).post(
        "/api/v1/vet", json.dumps({"text": "hi"}), content_type="application/json"
    )
    assert response.status_code == 403


def test_adding_a_person_mails_the_invitation_and_answers_without_the_link(world: World) -> None:
    response = client_as(world, "lola", reauthenticated=True).post(
        "/api/v1/people",
        json.dumps({"email": "pat.new@example.gov", "name": "Pat New"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["invited"] is True
    assert response.json()["email"] == "pat.new@example.gov"
    [invitation] = mail.outbox
    assert "/auth/password/reset/key/" in invitation.body
    assert b"/auth/password/reset/key/" not in response.content


# Resolving an unconfirmed delivery by hand (publishing.resolve: leads and security, device
# class "publish"), from enrolled devices so the role rule shows; nothing changes when refused.
RESOLVE = {"default": 403, "nora": 404, "ollie": 404, "sam": 200, "lola": 200}


@pytest.mark.parametrize("who", WHO)
def test_resolve_permissions(cast: Any, who: str) -> None:
    from tests.publishing.test_resolve_web import on_device, unconfirmed_delivery

    delivery = unconfirmed_delivery(cast)
    user = None if who == "anonymous" else getattr(cast, who)
    client = on_device(user)  # enrolling the device is audited too
    before = AuditEvent.objects.count()
    response = client.post(
        f"/api/v1/deliveries/{delivery.pk}/resolve",
        json.dumps({"not_there": True, "note": "checked the profile by hand"}),
        content_type="application/json",
    )
    want = expected(RESOLVE, who)
    assert response.status_code == want, response.content
    delivery.refresh_from_db()
    assert delivery.state == ("failed" if want == 200 else "unconfirmed")
    if want >= 400:
        assert AuditEvent.objects.count() == before

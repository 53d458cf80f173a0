"""What people do in the web app, end to end through the views, services and audit log."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.http import StreamingHttpResponse
from django.test import Client

from postguard.api.models import ApiToken
from postguard.api.tokens import create_token
from postguard.audit.models import AuditEvent
from postguard.audit.verify import verify_export
from postguard.policy.models import PolicyVersion
from postguard.registry.models import DirectoryEntry, Grant, Person, PlatformAccount
from tests.cast import CAST_PASSWORD, TOTP_SECRET
from tests.web.conftest import signed_in
from tests.web.world import World, build_world

GOOD_CSV = (
    "name,preferred_name,department,title,email,phone,office,participant\n"
    "Ana Lopez,,Parks,Ranger,ana.lopez@example.gov,,North,no\n"
    "Cy Young,,Clerk,Clerk,cy.young@example.gov,,Main,no\n"
)
BAD_CSV = GOOD_CSV + "Ben Ortiz,,Roads,Engineer,not-an-email,,South,no\n"


@pytest.fixture
def world(cast: Any) -> World:
    return build_world(cast)


def _upload(name: str, text: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


# --- platform accounts -------------------------------------------------------------------------


def test_adding_an_account_with_a_personal_login_shows_the_finding(world: World) -> None:
    client = signed_in(world.cast.sam)
    response = client.post(
        "/accounts/add/",
        {
            "platform": "x",
            "handle": "@ExampleCounty",
            "login_email": "jane.doe@example.gov",
            "mfa_method": "app",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert b"jane.doe@example.gov is a personal address" in response.content
    account = PlatformAccount.objects.get(handle="@ExampleCounty")
    assert AuditEvent.objects.filter(action="registry.account.create", object_id=str(account.pk))


def test_the_wrong_role_cannot_add_an_account(world: World) -> None:
    response = signed_in(world.cast.eddie).post(
        "/accounts/add/", {"platform": "x", "handle": "@sneaky", "mfa_method": "app"}
    )
    assert response.status_code == 403
    assert not PlatformAccount.objects.filter(handle="@sneaky").exists()


def test_a_bad_account_form_says_which_field_and_saves_nothing(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/accounts/add/", {"platform": "myspace", "handle": "", "login_email": "nope"}
    )
    assert response.status_code == 400
    assert b"myspace" in response.content  # "Select a valid choice. myspace is not one of ..."
    assert b"This field is required." in response.content
    assert PlatformAccount.objects.count() == 2


def test_editing_an_account_is_audited_with_before_and_after(world: World) -> None:
    account = world.cast.bluesky
    response = signed_in(world.cast.sam).post(
        f"/accounts/{account.pk}/edit/",
        {
            "platform": "bluesky",
            "handle": account.handle,
            "login_email": "social@example.gov",
            "mfa_method": "sms",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(action="registry.account.change").latest("seq")
    assert event.before is not None
    assert event.after is not None
    assert event.before["mfa_method"] == "app"
    assert event.after["mfa_method"] == "sms"


# --- people, grants, offboarding ---------------------------------------------------------------


def test_lead_grants_a_role_with_a_reason(world: World) -> None:
    nora_person = world.cast.person(world.cast.nora)
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post(
        f"/people/{nora_person.pk}/grant/",
        {"role": "reviewer", "account": world.cast.mastodon.pk, "reason": "covers for Rita"},
    )
    assert response.status_code == 302
    grant = Grant.objects.active().get(person=nora_person)
    assert (grant.role, grant.account_id, grant.reason) == (
        "reviewer",
        world.cast.mastodon.pk,
        "covers for Rita",
    )


def test_a_grant_needs_a_reason_and_the_right_scope(world: World) -> None:
    nora_person = world.cast.person(world.cast.nora)
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post(
        f"/people/{nora_person.pk}/grant/", {"role": "editor", "account": "", "reason": " "}
    )
    assert response.status_code == 400
    assert b"editor is granted on one account; choose the account." in response.content
    assert b"Every grant needs a reason." in response.content
    assert not Grant.objects.filter(person=nora_person).exists()


def test_security_revokes_a_grant(world: World) -> None:
    client = signed_in(world.cast.sam, reauthenticated=True)
    response = client.post(f"/grants/{world.eddie_grant.pk}/revoke/", {"reason": "rotation"})
    assert response.status_code == 302
    world.eddie_grant.refresh_from_db()
    assert world.eddie_grant.revoked_at is not None
    assert world.eddie_grant.revoke_reason == "rotation"


def test_offboarding_ends_grants_sessions_and_tokens(world: World) -> None:
    eddie = world.cast.eddie
    eddies_browser = signed_in(eddie)
    assert eddies_browser.get("/").status_code == 200
    create_token(eddie, "export script", "read")
    client = signed_in(world.cast.lola, reauthenticated=True)

    # Without the confirmation box nothing happens.
    response = client.post(f"/people/{world.eddie_person.pk}/offboard/", {"reason": "left"})
    assert response.status_code == 400
    assert Grant.objects.active().filter(person=world.eddie_person).exists()

    response = client.post(
        f"/people/{world.eddie_person.pk}/offboard/",
        {"reason": "left the county", "confirm": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"is offboarded" in response.content
    assert not Grant.objects.active().filter(person=world.eddie_person).exists()
    assert not UserSession.objects.filter(user=eddie).exists()
    assert not ApiToken.objects.filter(user=eddie, revoked_at__isnull=True).exists()
    assert eddies_browser.get("/").status_code == 302  # signed out


def test_nobody_offboards_themselves(world: World) -> None:
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post(
        f"/people/{world.lola_person.pk}/offboard/", {"reason": "x", "confirm": "on"}
    )
    assert response.status_code == 403
    assert Grant.objects.active().filter(person=world.lola_person).exists()


# --- directory ---------------------------------------------------------------------------------


def test_a_directory_with_a_bad_row_imports_nothing_and_names_the_row(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/directory/import/", {"file": _upload("staff.csv", BAD_CSV)}
    )
    assert response.status_code == 400
    assert b"Row 4" in response.content
    assert b"not-an-email" in response.content
    assert b"nothing was imported" in response.content
    assert DirectoryEntry.objects.count() == 0


def test_skip_invalid_imports_the_good_rows_and_lists_the_bad_one(world: World) -> None:
    response = signed_in(world.cast.sam).post(
        "/directory/import/", {"file": _upload("staff.csv", BAD_CSV), "skip_invalid": "on"}
    )
    assert response.status_code == 200
    assert b"2 added" in response.content
    assert b"Row 4" in response.content
    assert set(DirectoryEntry.objects.values_list("email", flat=True)) == {
        "ana.lopez@example.gov",
        "cy.young@example.gov",
    }


def test_markup_in_a_directory_is_shown_as_text(world: World) -> None:
    csv = GOOD_CSV + '"<script>alert(1)</script>",,IT,Admin,x.y@example.gov,,HQ,no\n'
    client = signed_in(world.cast.sam)
    client.post("/directory/import/", {"file": _upload("staff.csv", csv)})
    page = client.get("/directory/").content
    assert b"<script>alert(1)</script>" not in page
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in page


# --- devices -----------------------------------------------------------------------------------


def test_lead_enrolls_this_browser_and_it_is_recognised(world: World) -> None:
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post("/devices/enroll/", {"name": "Comms laptop 2"})
    assert response.status_code == 302
    page = client.get("/devices/").content
    assert b"This browser is enrolled as <strong>Comms laptop 2</strong>" in page


def test_security_revokes_a_device(world: World) -> None:
    response = signed_in(world.cast.sam).post(f"/devices/{world.device.pk}/revoke/")
    assert response.status_code == 302
    world.device.refresh_from_db()
    assert world.device.revoked_at is not None


# --- policy ------------------------------------------------------------------------------------


def test_a_bad_policy_gets_line_numbered_errors(world: World) -> None:
    text = "organization: Example County\ndomains: [example.gov]\nreview:\n  cadence: sometimes\n"
    response = signed_in(world.cast.sam).post("/policy/propose/", {"text": text})
    assert response.status_code == 400
    assert b"Line 4" in response.content
    assert PolicyVersion.objects.count() == 2


def test_the_other_lead_approves_a_proposal(world: World) -> None:
    client = signed_in(world.cast.leo, reauthenticated=True)
    response = client.post(f"/policy/versions/{world.proposal.pk}/approve/", {"reason": "ok"})
    assert response.status_code == 302
    world.proposal.refresh_from_db()
    assert world.proposal.state == "active"
    assert world.proposal.approved_by_name.startswith("Leo")


def test_a_proposal_shows_its_diff(world: World) -> None:
    page = signed_in(world.cast.leo).get(f"/policy/versions/{world.proposal.pk}/").content
    assert b'<span class="add">+  blocked: [confidential]</span>' in page


# --- sessions and tokens -----------------------------------------------------------------------


def test_ending_another_session_signs_that_browser_out(world: World) -> None:
    laptop = signed_in(world.cast.nora)
    laptop.get("/")
    phone = signed_in(world.cast.nora)
    phone.get("/")
    sessions = UserSession.objects.filter(user=world.cast.nora)
    assert sessions.count() == 2
    laptop_key = laptop.session.session_key
    laptop_session = sessions.get(session_key=laptop_key)
    response = phone.post(f"/me/sessions/{laptop_session.pk}/end/")
    assert response.status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_nobody_ends_someone_elses_session(world: World) -> None:
    victim = signed_in(world.cast.lola)
    victim.get("/")
    session = UserSession.objects.get(user=world.cast.lola)
    response = signed_in(world.cast.nora).post(f"/me/sessions/{session.pk}/end/")
    assert response.status_code == 404
    assert victim.get("/").status_code == 200


def test_a_new_token_is_shown_once_and_stored_hashed(world: World) -> None:
    client = signed_in(world.cast.nora, reauthenticated=True)
    response = client.post("/me/tokens/", {"name": "report", "scope": "read", "days": 30})
    page = response.content.decode()
    token = ApiToken.objects.get(user=world.cast.nora)
    start = page.index('id="new-token">') + len('id="new-token">')
    plaintext = page[start : page.index("<", start)]
    assert plaintext.startswith(token.prefix)
    assert plaintext not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert plaintext not in client.get("/me/tokens/").content.decode()


# --- audit -------------------------------------------------------------------------------------


def test_audit_filters_and_exports_jsonl(world: World) -> None:
    client = signed_in(world.cast.ada)
    page = client.get("/audit/", {"action": "policy.version.propose"}).content.decode()
    assert "policy.version.propose" in page
    assert "registry.device.enroll" not in page
    export = client.get("/audit/export.jsonl", {"action": "policy.version"})
    stream = cast(StreamingHttpResponse, export)
    lines = [json.loads(line) for line in b"".join(stream).splitlines()]
    assert [e["action"] for e in lines] == ["policy.version.propose"]
    assert {"hash", "prev_hash", "seq"} <= set(lines[0])


def test_the_audit_page_export_verifies_off_the_box(world: World) -> None:
    """The page's export is `postguard audit export`'s format: each line re-hashes to its hash."""
    export = cast(StreamingHttpResponse, signed_in(world.cast.ada).get("/audit/export.jsonl"))
    lines = b"".join(export).decode().splitlines()
    report = verify_export(lines)
    assert report.count == len(lines) > 0
    assert report.problems == []


def test_a_bad_audit_date_is_explained(world: World) -> None:
    page = signed_in(world.cast.ada).get("/audit/", {"since": "last tuesday"}).content
    assert b"From: &#x27;last tuesday&#x27; is not a date; use YYYY-MM-DD" in page


# --- CSRF, errors and secrets ------------------------------------------------------------------


def test_forms_refuse_a_post_without_the_csrf_token(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.cast.sam, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post("/accounts/add/", {"platform": "x", "handle": "@csrf"})
    assert response.status_code == 403
    assert b"This form expired" in response.content
    assert not PlatformAccount.objects.filter(handle="@csrf").exists()


def test_unknown_pages_are_friendly(world: World) -> None:
    response = signed_in(world.cast.nora).get("/no/such/page/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_no_secret_reaches_a_page(world: World) -> None:
    from django.conf import settings

    create_token(world.cast.lola, "ci", "write")
    client = signed_in(world.cast.lola, reauthenticated=True)
    secrets = [
        TOTP_SECRET,
        CAST_PASSWORD,
        world.cast.lola.password,
        settings.SECRET_KEY,
        *ApiToken.objects.values_list("digest", flat=True),
        world.device.token_hash,
    ]
    for path in [
        "/",
        "/posture/",
        "/accounts/",
        "/people/",
        f"/people/{world.lola_person.pk}/",
        "/devices/",
        "/policy/",
        "/audit/",
        "/me/security/",
        "/me/sessions/",
        "/me/tokens/",
        "/api/v1/me",
        "/api/v1/people",
        "/api/v1/devices",
        "/api/v1/tokens",
        "/api/v1/audit/events",
    ]:
        response = client.get(path)
        body = response.content.decode() if not response.streaming else ""
        for secret in secrets:
            assert secret not in body, (path, secret[:6])


def test_my_sessions_shows_the_company_device_a_session_signed_in_from(world: World) -> None:
    client = signed_in(world.cast.nora)
    client.cookies.clear()
    lead = signed_in(world.cast.lola, reauthenticated=True)
    lead.post("/devices/enroll/", {"name": "Front desk PC"})
    client.cookies["postguard_device"] = lead.cookies["postguard_device"].value
    response = client.post(
        "/auth/login/", {"login": world.cast.nora.email, "password": CAST_PASSWORD}
    )
    assert response.status_code == 302
    page = client.get("/me/sessions/").content.decode()
    assert "Front desk PC (company device)" in page
    assert "this browser" in page


def test_the_account_form_previews_findings_before_saving(world: World) -> None:
    details = {
        "platform": "x",
        "handle": "@new",
        "login_email": "jane.doe@gmail.com",
        "mfa_method": "sms",
    }
    response = signed_in(world.cast.sam).post("/accounts/preview/", details)
    assert response.status_code == 200
    assert b"jane.doe@gmail.com is not on an organization domain" in response.content
    assert b"MFA uses SMS" in response.content
    assert not PlatformAccount.objects.filter(handle="@new").exists()
    assert signed_in(world.cast.eddie).post("/accounts/preview/", details).status_code == 403
    assert signed_in(None).post("/accounts/preview/", details).status_code == 302


# --- bad input ---------------------------------------------------------------------------------


def test_a_directory_in_the_wrong_encoding_is_explained(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "name,email\nJosé Núñez,jose@example.gov\n".encode("latin-1")
    response = signed_in(world.cast.sam).post(
        "/directory/import/", {"file": SimpleUploadedFile("staff.csv", data)}
    )
    assert response.status_code == 400
    assert b"not UTF-8" in response.content
    assert DirectoryEntry.objects.count() == 0


def test_an_oversized_directory_is_refused_before_reading(world: World, settings: Any) -> None:
    settings.MAX_UPLOAD_BYTES = 1024
    response = signed_in(world.cast.sam).post(
        "/directory/import/", {"file": _upload("big.csv", GOOD_CSV + "x" * 2000)}
    )
    assert response.status_code == 400
    assert b"the limit is 1024 bytes" in response.content
    assert DirectoryEntry.objects.count() == 0


def test_a_policy_upload_in_the_wrong_encoding_is_explained(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = "organization: Café\ndomains: [example.gov]\n".encode("latin-1")
    response = signed_in(world.cast.sam).post(
        "/policy/propose/", {"upload": SimpleUploadedFile("p.yaml", data)}
    )
    assert response.status_code == 400
    assert b"not UTF-8 (line 1)" in response.content
    assert PolicyVersion.objects.count() == 2


def test_sql_in_a_search_is_just_text(world: World) -> None:
    response = signed_in(world.cast.ada).get("/directory/", {"q": "'; DROP TABLE x; --"})
    assert response.status_code == 200
    assert b"No entries match" in response.content


def test_a_crash_shows_a_friendly_page_and_no_trace(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postguard.web.views import posture

    def boom(request: Any) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(posture, "posture_rows", boom)
    client = signed_in(world.cast.lola)
    client.raise_request_exception = False
    response = client.get("/posture/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content


def test_security_records_a_rotation_and_the_finding_goes(world: World) -> None:
    account = world.cast.bluesky
    client = signed_in(world.cast.sam)
    assert (
        b"no credential rotation has been recorded"
        in client.get(f"/accounts/{account.pk}/").content
    )
    response = client.post(f"/accounts/{account.pk}/rotated/", {"when": "2026-11-01"}, follow=True)
    assert b"The rotation of" in response.content
    assert b"no credential rotation has been recorded" not in response.content
    account.refresh_from_db()
    assert str(account.last_rotation) == "2026-11-01"
    # An editor on the account may see it but not record rotations.
    assert (
        signed_in(world.cast.eddie)
        .post(f"/accounts/{account.pk}/rotated/", {"when": "2026-11-02"})
        .status_code
        == 403
    )


def test_a_lead_rejects_a_proposal_with_a_reason(world: World) -> None:
    client = signed_in(world.cast.leo)
    response = client.post(f"/policy/versions/{world.proposal.pk}/reject/", {"reason": ""})
    assert response.status_code == 302
    world.proposal.refresh_from_db()
    assert world.proposal.state == "proposed"  # no reason, no rejection
    client.post(f"/policy/versions/{world.proposal.pk}/reject/", {"reason": "too strict"})
    world.proposal.refresh_from_db()
    assert world.proposal.state == "rejected"


def test_a_temporary_grant_ends_on_its_day(world: World) -> None:
    nora_person = world.cast.person(world.cast.nora)
    client = signed_in(world.cast.lola, reauthenticated=True)
    response = client.post(
        f"/people/{nora_person.pk}/grant/",
        {"role": "auditor", "reason": "records request", "expires": "2000-01-01"},
    )
    assert response.status_code == 400
    assert b"Choose a day after today." in response.content
    client.post(
        f"/people/{nora_person.pk}/grant/",
        {"role": "auditor", "reason": "records request", "expires": "2999-12-31"},
    )
    grant = Grant.objects.get(person=nora_person)
    assert grant.expires_at is not None
    assert grant.expires_at.date().isoformat() == "2999-12-31"


# --- adding a person ---------------------------------------------------------------------------


def test_a_lead_adds_a_person_who_chooses_their_own_password(world: World) -> None:
    lola = signed_in(world.cast.lola)
    response = lola.post(
        "/people/add/", {"email": "pat.new@example.gov", "name": "Pat New", "team": "comms"}
    )
    assert response.status_code == 302
    person = Person.objects.get(user__email="pat.new@example.gov")
    assert not person.user.has_usable_password()
    # The link goes by mail to Pat, never into the page or the audit log.
    [invitation] = mail.outbox
    assert invitation.to == ["pat.new@example.gov"]
    link = next(w for w in invitation.body.split() if "/auth/password/reset/key/" in w)
    page = lola.get(response["Location"]).content.decode()
    assert "We mailed pat.new@example.gov a link" in page
    assert link not in page
    assert not AuditEvent.objects.filter(after__icontains="/password/reset/key/").exists()
    assert AuditEvent.objects.filter(action="registry.person.invite").count() == 1
    # Pat follows the link once and chooses a password.
    pat = Client()
    form_url = pat.get(link.removeprefix("http://testserver"))["Location"]
    chosen = "a long passphrase of Pat's own"
    done = pat.post(form_url, {"password1": chosen, "password2": chosen})
    assert done.status_code == 302
    person.user.refresh_from_db()
    assert person.user.check_password(chosen)
    # The link works once.
    again = Client().get(link.removeprefix("http://testserver"), follow=True)
    assert b"invalid" in again.content.lower() or b"expired" in again.content.lower()


def test_adding_a_person_twice_is_explained_on_the_field(world: World) -> None:
    response = signed_in(world.cast.lola).post(
        "/people/add/", {"email": world.cast.eddie.email, "name": "Eddie Again"}
    )
    assert response.status_code == 400
    assert b"is already a team member" in response.content
    assert mail.outbox == []

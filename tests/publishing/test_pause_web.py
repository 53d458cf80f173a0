"""The pause switch in the web app and the API: a reason and a confirm step, who paused it and
why shown where the team looks, resume with a note; each page for each permission case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postguard.audit.models import AuditEvent
from postguard.publishing.models import Pause
from postguard.publishing.pause import pause
from tests.web.conftest import signed_in

WHO = ("anonymous", "nora", "mona", "eddie", "ollie", "ada", "sam", "lola", "leo")


def client(cast: Any, who: str) -> Any:
    return signed_in(None if who == "anonymous" else getattr(cast, who), reauthenticated=True)


# Resuming: leads and security; a pause of the Bluesky account is not even visible to people
# who cannot see that account (nora, ollie); the organization's pause is visible to everyone
# with a role, since it stops their accounts too.
RESUME_PAGE = {
    "bluesky": {"nora": 404, "ollie": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
    "organization": {"nora": 404, "ollie": 403, "eddie": 403, "ada": 403, "sam": 200, "lola": 200},
}


@pytest.mark.parametrize("scope", ["bluesky", "organization"])
@pytest.mark.parametrize("who", WHO)
def test_who_may_open_the_resume_page(cast: Any, scope: str, who: str) -> None:
    held = pause(cast.sam, cast.bluesky if scope == "bluesky" else None, "takeover")
    response = client(cast, who).get(f"/publishing/pauses/{held.pk}/resume/")
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/auth/login/")
    elif who == "mona":
        assert response["Location"] == "/mfa-required/"
    else:
        want = RESUME_PAGE[scope].get(who, RESUME_PAGE[scope]["lola"] if who == "leo" else None)
        assert response.status_code == want


def test_resuming_asks_for_the_password_again(cast: Any) -> None:
    held = pause(cast.sam, None, "incident")
    response = signed_in(cast.lola).get(f"/publishing/pauses/{held.pk}/resume/")
    assert response.status_code == 302
    assert response["Location"].startswith("/auth/reauthenticate/")


def test_pausing_an_account_from_its_page_with_a_reason_and_a_confirm_step(cast: Any) -> None:
    lola = client(cast, "lola")
    page = lola.get(f"/accounts/{cast.bluesky.pk}/").content.decode()
    assert "publishing</span>" in page
    assert f'href="/accounts/{cast.bluesky.pk}/pause/"' in page

    confirm = lola.get(f"/accounts/{cast.bluesky.pk}/pause/").content.decode()
    assert f"Pause publishing to {cast.bluesky}" in confirm
    assert "stop every platform call" in confirm

    blank = lola.post(f"/accounts/{cast.bluesky.pk}/pause/", {"reason": "  "})
    assert blank.status_code == 400
    assert "Say why publishing stops" in blank.content.decode()
    assert not Pause.objects.exists()

    done = lola.post(f"/accounts/{cast.bluesky.pk}/pause/", {"reason": "suspected takeover"})
    assert done.status_code == 302
    assert done["Location"] == f"/accounts/{cast.bluesky.pk}/"
    page = lola.get(done["Location"]).content.decode()
    assert "paused</span> paused by Lola &lt;lola@example.gov&gt; on" in page
    assert "suspected takeover" in page
    assert "Resume publishing" in page

    again = lola.post(f"/accounts/{cast.bluesky.pk}/pause/", {"reason": "twice"})
    assert again.status_code == 400
    assert "is already paused by Lola" in again.content.decode()


def test_an_editor_sees_the_pause_on_the_dashboard_but_no_switch(cast: Any) -> None:
    pause(cast.sam, None, "incident: leaked password")
    page = client(cast, "eddie").get("/").content.decode()
    assert "paused by Sam &lt;sam@example.gov&gt;" in page
    assert "incident: leaked password" in page
    assert "Resume publishing" not in page
    assert "Pause publishing" not in page
    assert "incident" not in client(cast, "nora").get("/").content.decode()


def test_the_controls_page_lists_active_and_past_pauses(cast: Any) -> None:
    old = pause(cast.lola, cast.mastodon, "token leaked")
    lola = client(cast, "lola")
    lola.post(f"/publishing/pauses/{old.pk}/resume/", {"note": "new token"})
    pause(cast.sam, None, "incident")

    page = lola.get("/publishing/").content.decode()
    active = page[page.index('id="active-pauses"') : page.index('id="past-h"')]
    assert "the whole organization" in active
    assert "paused by Sam" in active
    past = page[page.index('id="past-pauses"') :]
    assert str(cast.mastodon) in past
    assert "token leaked" in past
    assert "new token" in past
    # Ollie (Mastodon) sees the organization's pause and his account's history; Eddie
    # (Bluesky) does not see the Mastodon account's.
    assert "token leaked" in client(cast, "ollie").get("/publishing/").content.decode()
    assert "token leaked" not in client(cast, "eddie").get("/publishing/").content.decode()


def test_resuming_from_the_web_reports_what_it_did(cast: Any) -> None:
    held = pause(cast.lola, None, "incident")
    response = client(cast, "sam").post(
        f"/publishing/pauses/{held.pk}/resume/", {"note": "all clear"}, follow=True
    )
    assert response.status_code == 200
    assert (
        f"Resumed pause {held.pk} of the whole organization: 0 posts released to publish, "
        "0 sent back to review" in response.content.decode()
    )
    held.refresh_from_db()
    assert held.resume_note == "all clear"
    assert held.resumed_by == cast.sam


# --- the API ------------------------------------------------------------------------------------


def post_json(user_client: Any, path: str, body: dict[str, Any]) -> Any:
    return user_client.post(path, json.dumps(body), content_type="application/json")


def test_the_api_pauses_lists_and_resumes(cast: Any) -> None:
    sam = client(cast, "sam")
    made = post_json(sam, "/api/v1/pauses", {"account_id": cast.bluesky.pk, "reason": "takeover"})
    assert made.status_code == 201
    body = made.json()
    assert body["scope"] == str(cast.bluesky)
    assert body["active"] is True
    assert body["paused_by"] == "Sam <sam@example.gov>"

    listed = client(cast, "eddie").get("/api/v1/pauses", {"active": "true"}).json()
    assert [p["id"] for p in listed] == [body["id"]]
    assert client(cast, "ollie").get("/api/v1/pauses").json() == []

    refused = post_json(client(cast, "eddie"), f"/api/v1/pauses/{body['id']}/resume", {})
    assert refused.status_code == 403
    assert "may not publishing.resume" in refused.json()["detail"]

    resumed = post_json(client(cast, "lola"), f"/api/v1/pauses/{body['id']}/resume", {"note": "ok"})
    assert resumed.status_code == 200
    answer = resumed.json()
    assert answer["pause"]["active"] is False
    assert answer["pause"]["resume_note"] == "ok"
    assert answer["released"] == []
    assert answer["back_to_review"] == []


def test_api_errors_name_the_field(cast: Any) -> None:
    lola = client(cast, "lola")
    blank = post_json(lola, "/api/v1/pauses", {"reason": ""})
    assert blank.status_code == 400
    assert blank.json()["errors"][0]["field"] == "body.reason"
    assert blank.json()["errors"][0]["message"].startswith("say why publishing stops")

    first = post_json(lola, "/api/v1/pauses", {"reason": "incident"}).json()
    second = post_json(client(cast, "sam"), "/api/v1/pauses", {"reason": "again"})
    assert second.status_code == 400
    assert "the whole organization is already paused by Lola" in second.json()["detail"]
    assert f"(pause {first['id']}): incident" in second.json()["detail"]

    unknown = post_json(lola, "/api/v1/pauses", {"account_id": 999999, "reason": "x"})
    assert unknown.status_code == 404

    post_json(lola, f"/api/v1/pauses/{first['id']}/resume", {})
    twice = post_json(lola, f"/api/v1/pauses/{first['id']}/resume", {})
    assert twice.status_code == 400
    assert "was already resumed by Lola" in twice.json()["detail"]
    assert AuditEvent.objects.filter(action="publishing.resume").count() == 1

"""Integrity alerts where the team looks: the dashboard (only the accounts a person watches), the
alerts page with acknowledgement (htmx, in place), and the API; each for each permission case."""

from __future__ import annotations

import json
from typing import Any

import pytest

from postguard.jobs.models import Job
from postguard.publishing import integrity
from postguard.publishing.models import Connection, IntegrityAlert
from tests.web.conftest import signed_in

WHO = ("anonymous", "nora", "mona", "eddie", "ollie", "ada", "sam", "lola", "leo")
Kind = IntegrityAlert.Kind


def client(cast: Any, who: str) -> Any:
    return signed_in(None if who == "anonymous" else getattr(cast, who), reauthenticated=True)


@pytest.fixture
def alerts(cast: Any) -> dict[str, IntegrityAlert]:
    return {
        "bluesky": IntegrityAlert.objects.create(
            account=cast.bluesky,
            kind=Kind.UNKNOWN_POST,
            remote_id="at://did:plc:abc/app.bsky.feed.post/3kxyz",
            url="https://bsky.app/profile/did:plc:abc/post/3kxyz",
            details={"remote_text": "Free crypto giveaway"},
        ),
        "mastodon": IntegrityAlert.objects.create(
            account=cast.mastodon,
            kind=Kind.EDITED,
            remote_id="109",
            details={
                "published_text": "Council meets Tuesday.",
                "remote_text": "Council cancelled.",
                "changes": ["the platform marks it as edited"],
            },
        ),
    }


# Who sees which alert on the dashboard: the integrity watch is for leads, security, the
# auditor and editors, each on the accounts their role covers; reviewers and nora see none.
DASHBOARD = {
    "nora": set(),
    "eddie": {"Free crypto giveaway"},
    "ollie": {"Council cancelled."},
    "ada": {"Free crypto giveaway", "Council cancelled."},
    "sam": {"Free crypto giveaway", "Council cancelled."},
    "lola": {"Free crypto giveaway", "Council cancelled."},
}


@pytest.mark.parametrize("who", list(DASHBOARD))
def test_the_dashboard_shows_the_alerts_of_the_accounts_one_watches(
    cast: Any, alerts: dict[str, IntegrityAlert], who: str
) -> None:
    page = client(cast, who).get("/").content.decode()
    shown = {text for text in ("Free crypto giveaway", "Council cancelled.") if text in page}
    assert shown == DASHBOARD[who]
    if shown:
        assert f"{len(shown)} open alert" in page
        assert "a sign of account takeover" in page
    # Only leads and security get the acknowledge form.
    assert ("Acknowledge</button>" in page) == (who in {"sam", "lola"})


ACKNOWLEDGE_PAGE = {"nora": 404, "ollie": 404, "eddie": 403, "ada": 403, "sam": 200, "lola": 200}


@pytest.mark.parametrize("who", WHO)
def test_who_may_acknowledge_a_bluesky_alert(
    cast: Any, alerts: dict[str, IntegrityAlert], who: str
) -> None:
    response = client(cast, who).get(f"/publishing/alerts/{alerts['bluesky'].pk}/acknowledge/")
    if who == "anonymous":
        assert response["Location"].startswith("/auth/login/")
    elif who == "mona":
        assert response["Location"] == "/mfa-required/"
    else:
        assert response.status_code == ACKNOWLEDGE_PAGE.get(who, ACKNOWLEDGE_PAGE["lola"])


def test_acknowledging_in_place_with_htmx(cast: Any, alerts: dict[str, IntegrityAlert]) -> None:
    alert = alerts["bluesky"]
    sam = client(cast, "sam")
    url = f"/publishing/alerts/{alert.pk}/acknowledge/"

    blank = sam.post(url, {"note": " "}, HTTP_HX_REQUEST="true")
    assert blank.status_code == 200  # htmx swaps only 2xx: the error shows in the row
    assert 'role="alert"' in blank.content.decode()
    assert "Say what you found and what you did" in blank.content.decode()
    assert IntegrityAlert.objects.open().count() == 2

    done = sam.post(url, {"note": "our intern, from the app"}, HTTP_HX_REQUEST="true")
    row = done.content.decode()
    assert row.startswith(f'<li class="alert-row" id="alert-{alert.pk}">')
    assert "acknowledged by Sam &lt;sam@example.gov&gt;" in row
    assert "our intern, from the app" in row
    assert "<form" not in row
    alert.refresh_from_db()
    assert alert.note == "our intern, from the app"


def test_the_alerts_page_lists_open_and_acknowledged(
    cast: Any, alerts: dict[str, IntegrityAlert]
) -> None:
    integrity.acknowledge(cast.lola, alerts["mastodon"], "checked: the mayor's office")
    page = client(cast, "ada").get("/publishing/alerts/").content.decode()
    assert "1 open alert" in page
    acknowledged = page[page.index('id="ack-h"') :]
    assert "checked: the mayor&#x27;s office" in acknowledged
    assert "Council meets Tuesday." in acknowledged  # the published text, beside the edit


def test_broken_connections_and_failed_checks_are_shown(cast: Any) -> None:
    Connection.objects.create(
        account=cast.bluesky,
        service_url="https://pds.example",
        login="county.example",
        credential="pgc1.x.y",
        connected_by_name="test",
        broken_reason="the app password was revoked: reconnect it",
    )
    Connection.objects.create(
        account=cast.mastodon,
        service_url="https://mastodon.example",
        credential="pgc1.x.y",
        connected_by_name="test",
    )
    Job.objects.create(
        name=integrity.JOB,
        object_id=str(cast.mastodon.pk),
        state=Job.State.FAILED,
        last_error="CheckFailedError: listing its latest posts failed: 503",
    )
    page = client(cast, "sam").get("/publishing/alerts/").content.decode()
    assert "connection broken</span> " in page
    assert "the app password was revoked: reconnect it" in page
    assert "last check failed</span> " in page
    assert "listing its latest posts failed: 503" in page
    assert "pgc1" not in page  # never the credential


# --- the API ------------------------------------------------------------------------------------


def test_the_api_lists_alerts_in_scope_and_acknowledges(
    cast: Any, alerts: dict[str, IntegrityAlert]
) -> None:
    listed = client(cast, "eddie").get("/api/v1/alerts").json()
    assert [(a["kind"], a["remote_id"]) for a in listed] == [
        ("unknown_post", "at://did:plc:abc/app.bsky.feed.post/3kxyz")
    ]
    assert listed[0]["meaning"].endswith("a sign of account takeover")

    path = f"/api/v1/alerts/{alerts['bluesky'].pk}/acknowledge"
    refused = client(cast, "eddie").post(path, "{}", content_type="application/json")
    assert refused.status_code == 403
    hidden = client(cast, "ollie").post(path, "{}", content_type="application/json")
    assert hidden.status_code == 404

    lola = client(cast, "lola")
    blank = lola.post(path, json.dumps({"note": ""}), content_type="application/json")
    assert blank.status_code == 400
    assert blank.json()["errors"][0]["field"] == "body.note"

    done = lola.post(path, json.dumps({"note": "seen"}), content_type="application/json")
    assert done.status_code == 200
    assert done.json()["acknowledged_by"] == "Lola <lola@example.gov>"
    still_open = lola.get("/api/v1/alerts", {"open": "true"}).json()
    assert [a["id"] for a in still_open] == [alerts["mastodon"].pk]

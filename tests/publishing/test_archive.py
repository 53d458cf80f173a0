"""The archive: published posts with their versions, approvals, overrides, verdict, deliveries
and digests; search, scoping, JSON and CSV export (streamed, audited, formula-safe), the API and
`postguard archive-export`.

The posts are driven through the real workflow (draft, vetting job, approval, schedule) and then
given Delivery rows as the publisher records them: the archive only reads those rows, so this is
the publisher's output without its platform calls.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.db import connections
from django.http import StreamingHttpResponse
from django.test import Client

from postguard.audit.models import AuditEvent
from postguard.cli.main import main
from postguard.connectors.base import new_idempotency_key
from postguard.core.actors import SYSTEM
from postguard.publishing import archive
from postguard.publishing.models import Delivery
from postguard.workflow import services
from postguard.workflow.machine import transition
from postguard.workflow.models import Post, State
from tests.publishing.conftest import Publishing
from tests.web.conftest import signed_in
from tests.workflow.conftest import CLEAN, REVIEW, Flow, req

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MARCH = dt.datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
MAY = dt.datetime(2026, 5, 20, 9, 30, tzinfo=UTC)


def approve_and_schedule(flow: Flow, post: Post, approver: Any, scheduler: Any) -> Post:
    services.approve(post, approver, request=req(approver))
    post.refresh_from_db()
    assert post.state == State.APPROVED
    services.schedule(post, scheduler, request=req(scheduler))
    post.refresh_from_db()
    return post


def deliver(
    post: Post,
    outcomes: dict[int, str],
    *,
    published_at: dt.datetime = MARCH,
    last_error: str = "",
) -> Post:
    """What the publisher records: it claims the post, writes one Delivery per target with the
    approved version, and ends the post published, or failed if any target failed."""
    transition(post, State.PUBLISHING, actor=SYSTEM)
    assert post.current_version is not None
    for account_id, state in outcomes.items():
        done = state == Delivery.State.PUBLISHED
        Delivery.objects.create(
            post=post,
            account_id=account_id,
            version=post.current_version,
            idempotency_key=new_idempotency_key(),
            state=state,
            attempts=1,
            remote_id=f"remote-{post.pk}-{account_id}" if done else "",
            url=f"https://social.example/{post.pk}/{account_id}" if done else "",
            published_at=published_at if done else None,
            last_error="" if done else (last_error or "the platform refused the post"),
        )
    # As publishing.outcomes decides: one target failed, the post failed.
    ended = State.FAILED if Delivery.State.FAILED in outcomes.values() else State.PUBLISHED
    transition(post, ended, actor=SYSTEM)
    return post


def published_post(
    flow: Flow,
    author: Any,
    approver: Any,
    account_ids: Sequence[int],
    text: str = CLEAN,
    *,
    published_at: dt.datetime = MARCH,
    outcomes: dict[int, str] | None = None,
) -> Post:
    post = flow.to_review(author, text, account_ids=list(account_ids))
    approve_and_schedule(flow, post, approver, author)
    return deliver(
        post,
        outcomes or dict.fromkeys(account_ids, Delivery.State.PUBLISHED),
        published_at=published_at,
    )


class ArchiveFlow(Flow):
    """The workflow's story helpers, running only the vetting jobs: the publish job that
    scheduling queues is never run here (the deliveries are written as the publisher would)."""

    def to_review(self, user: Any = None, text: str = CLEAN, **extra: Any) -> Post:
        author = user or self.cast.eddie
        post = self.draft(author, text, **extra)
        services.submit(post, author, request=req(author))
        Publishing.run_jobs(only="workflow.vet")
        post.refresh_from_db()
        assert post.state == State.IN_REVIEW, f"post {post.pk} is {post.state} after vetting"
        return post


@pytest.fixture
def flow(cast: Any, settings: Any, tmp_path: Path, fast_vetting: None) -> Flow:
    settings.MEDIA_ROOT = tmp_path / "media"
    return ArchiveFlow(cast)


class Posts:
    """Three published posts: one per account and one on both, at different times."""

    def __init__(self, flow: Flow) -> None:
        cast = flow.cast
        self.cast = cast
        self.on_bluesky = published_post(
            flow, cast.eddie, cast.rita, [cast.bluesky.pk], "Library hours change on Monday."
        )
        self.on_mastodon = published_post(
            flow,
            cast.ollie,
            cast.lola,
            [cast.mastodon.pk],
            "Pool opens in May for the summer.",
            published_at=MAY,
        )
        self.on_both = published_post(
            flow,
            cast.lola,
            cast.leo,
            [cast.bluesky.pk, cast.mastodon.pk],
            "Road works on Main Street this week.",
            published_at=MAY + dt.timedelta(days=1),
            outcomes={
                cast.bluesky.pk: Delivery.State.FAILED,
                cast.mastodon.pk: Delivery.State.PUBLISHED,
            },
        )
        # Not archived: nothing went out.
        self.in_review = flow.to_review(cast.eddie, "Library hours, draft two.")
        self.scheduled = flow.to_review(cast.eddie, "Library hours, scheduled.")
        approve_and_schedule(flow, self.scheduled, cast.rita, cast.eddie)


@pytest.fixture
def posts(flow: Flow) -> Posts:
    return Posts(flow)


def ids(found: Any) -> list[int]:
    return [post.pk for post in found]


def chunks_of(response: Any) -> list[bytes]:
    assert isinstance(response, StreamingHttpResponse)
    return list(response.streaming_content)  # type: ignore[arg-type]


def body_of(response: Any) -> bytes:
    return b"".join(chunks_of(response))


# --- what the archive holds ---------------------------------------------------------------------


def test_only_posts_with_a_published_delivery_are_archived_newest_first(posts: Posts) -> None:
    found = archive.search(posts.cast.lola)
    assert ids(found) == [posts.on_both.pk, posts.on_mastodon.pk, posts.on_bluesky.pk]


def test_a_record_holds_versions_diff_approvals_overrides_verdict_deliveries_and_digests(
    flow: Flow,
) -> None:
    cast = flow.cast
    post = flow.to_review(cast.eddie, CLEAN)
    first = services.approve(post, cast.rita, request=req(cast.rita))
    post.refresh_from_db()
    # An edit after approval voids it; version 2 needs an override for its link, then approval.
    services.edit_post(post, cast.eddie, flow.content(REVIEW))
    services.submit(post, cast.eddie, request=req(cast.eddie))
    Publishing.run_jobs(only="workflow.vet")
    post.refresh_from_db()
    services.override(
        post,
        cast.lola,
        rule="link.not_allowed",
        start=14,
        end=43,
        reason="The forecast page is the official source.",
        request=req(cast.lola),
    )
    approve_and_schedule(flow, post, cast.rita, cast.eddie)
    deliver(post, {cast.bluesky.pk: Delivery.State.PUBLISHED})

    [found] = archive.with_evidence(archive.search(cast.lola), cast.lola)
    item = archive.record_of(found)

    assert (item["id"], item["state"], item["author"]) == (
        post.pk,
        "published",
        "Eddie <eddie@example.gov>",
    )
    assert item["text"] == REVIEW
    assert item["published_version"] == 2
    assert [v["number"] for v in item["versions"]] == [1, 2]
    assert item["versions"][1]["diff"] == [
        "--- version 1",
        "+++ version 2",
        "@@ -1 +1 @@",
        f"-{CLEAN}",
        f"+{REVIEW}",
    ]
    assert item["versions"][0]["diff"][0] == "--- (nothing)"
    assert item["versions"][1]["author"] == "Eddie <eddie@example.gov>"
    version_2 = post.versions.get(number=2)
    assert [(a["approver"], a["version"], a["voided"]) for a in item["approvals"]] == [
        ("Rita <rita@example.gov>", 1, True),
        ("Rita <rita@example.gov>", 2, False),
    ]
    assert item["approvals"][0]["digest"] == first.digest
    assert item["approvals"][1]["device"] == "company laptop 7"
    assert item["approvals"][1]["step"]
    assert item["overrides"] == [
        {
            "rule": "link.not_allowed",
            "start": 14,
            "end": 43,
            "image": None,
            "reason": "The forecast page is the official source.",
            "by": "Lola <lola@example.gov>",
            "version": 2,
            "created_at": item["overrides"][0]["created_at"],
        }
    ]
    assert item["vetting"]["version"] == 2
    assert item["vetting"]["verdict"] == "review"
    assert [(f["rule"], f["start"], f["end"]) for f in item["vetting"]["findings"]] == [
        ("link.not_allowed", 14, 43)
    ]
    # The digest the approver signed is the one that went out, recomputed from the stored content.
    assert item["approved_digest"] == version_2.digest
    assert item["published_digest"] == version_2.digest
    assert item["digests_match"] is True
    [delivery] = item["deliveries"]
    assert delivery == {
        "id": delivery["id"],
        "account_id": cast.bluesky.pk,
        "account": "examplecounty.bsky.social",
        "platform": "bluesky",
        "state": "published",
        "version": 2,
        "remote_id": f"remote-{post.pk}-{cast.bluesky.pk}",
        "url": f"https://social.example/{post.pk}/{cast.bluesky.pk}",
        "published_at": MARCH.isoformat(),
        "attempts": 1,
        "last_error": "",
        "approvers": ["Rita <rita@example.gov> (review, reviewer)"],
        "approved_digest": version_2.digest,
        "published_digest": version_2.digest,
        "digests_match": True,
    }


def test_a_version_changed_after_approval_shows_as_a_digest_mismatch(posts: Posts) -> None:
    version = posts.on_bluesky.current_version
    assert version is not None
    version.text = "Something nobody approved."
    version.save()
    [found] = archive.with_evidence(
        archive.search(posts.cast.lola).filter(pk=posts.on_bluesky.pk), posts.cast.lola
    )
    item = archive.record_of(found)
    assert item["approved_digest"] == version.digest
    assert item["published_digest"] != version.digest
    assert item["digests_match"] is False
    page = signed_in(posts.cast.lola).get("/archive/").content.decode()
    assert "MISMATCH" in page


def test_a_post_published_in_two_rounds_checks_each_delivery_against_its_version(
    flow: Flow,
) -> None:
    cast = flow.cast
    both = [cast.bluesky.pk, cast.mastodon.pk]
    post = published_post(
        flow,
        cast.lola,
        cast.leo,
        both,
        "Round one.",
        outcomes={cast.bluesky.pk: Delivery.State.PUBLISHED, cast.mastodon.pk: "failed"},
    )
    assert post.state == State.FAILED
    # The team fixes it and sends it again: the edit voids version 1's approval; Bluesky keeps
    # its version 1 copy, Mastodon gets version 2 (as the publisher does).
    services.edit_post(post, cast.lola, flow.content("Round two.", account_ids=both))
    services.submit(post, cast.lola, request=req(cast.lola))
    Publishing.run_jobs(only="workflow.vet")
    post.refresh_from_db()
    approve_and_schedule(flow, post, cast.leo, cast.lola)
    transition(post, State.PUBLISHING, actor=SYSTEM)
    Delivery.objects.filter(post=post, account=cast.mastodon).update(
        version=post.current_version, state="published", published_at=MAY, last_error=""
    )
    transition(post, State.PUBLISHED, actor=SYSTEM)

    def record() -> dict[str, Any]:
        [found] = archive.with_evidence(archive.search(cast.lola), cast.lola)
        return archive.record_of(found)

    item = record()
    assert (item["published_version"], item["text"], item["digests_match"]) == (
        2,
        "Round two.",
        True,
    )
    v1, v2 = (post.versions.get(number=n).digest for n in (1, 2))
    assert [
        (d["platform"], d["version"], d["approved_digest"], d["digests_match"])
        for d in item["deliveries"]
    ] == [("bluesky", 1, v1, True), ("mastodon", 2, v2, True)]
    # Leo's version 1 approval was voided by the edit, after it went out: still its signer.
    assert item["deliveries"][0]["approvers"] == ["Leo <leo@example.gov> (review, lead)"]
    # Version 1 changed in the database after it was published: the post no longer matches.
    post.versions.filter(number=1).update(text="Round one, rewritten.")
    item = record()
    assert item["deliveries"][0]["digests_match"] is False
    assert item["deliveries"][1]["digests_match"] is True
    assert item["digests_match"] is False
    rows = list(archive.csv_rows(item))
    texts = [row[archive.CSV_COLUMNS.index("text")] for row in rows]
    assert texts == ["Round one, rewritten.", "Round two."]


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "library HOURS"}, ["on_bluesky"]),
        ({"q": "nothing like this"}, []),
        ({"platform": "mastodon"}, ["on_both", "on_mastodon"]),
        # on_both failed on Bluesky: it is not archived for that account.
        ({"platform": "bluesky"}, ["on_bluesky"]),
        ({"author": "ollie"}, ["on_mastodon"]),
        ({"author": "lola@example.gov"}, ["on_both"]),
        ({"since": "2026-05-01"}, ["on_both", "on_mastodon"]),
        ({"until": "2026-05-20"}, ["on_mastodon", "on_bluesky"]),
        ({"since": "2026-05-20", "until": "2026-05-20"}, ["on_mastodon"]),
        ({"state": "published"}, ["on_mastodon", "on_bluesky"]),
        # Published on Mastodon, failed on Bluesky: archived, and failed.
        ({"state": "failed"}, ["on_both"]),
    ],
)
def test_search_filters(posts: Posts, params: dict[str, str], expected: list[str]) -> None:
    found = archive.search(posts.cast.lola, archive.parse_filters(params))
    assert ids(found) == [getattr(posts, name).pk for name in expected]


def test_search_by_account(posts: Posts) -> None:
    cast = posts.cast
    found = archive.search(cast.ada, archive.parse_filters({"account": str(cast.mastodon.pk)}))
    assert ids(found) == [posts.on_both.pk, posts.on_mastodon.pk]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"since": "10/03/2026"}, "since: '10/03/2026' is not a date; use YYYY-MM-DD"),
        ({"until": "2026-02-30"}, "until: '2026-02-30' is not a date; use YYYY-MM-DD"),
        (
            {"since": "2026-05-02", "until": "2026-05-01"},
            "until: 2026-05-01 is before since (2026-05-02); swap them",
        ),
        ({"account": "bluesky"}, "account: 'bluesky' is not an account id; give a number"),
        ({"platform": "myspace"}, "platform: 'myspace' is not a platform; use one of bluesky"),
        ({"state": "draft"}, "state: 'draft' is not a state; use one of published"),
        ({"q": "x" * 201}, "q: 201 characters; search for at most 200"),
    ],
)
def test_bad_filters_are_named_with_what_is_accepted(params: dict[str, str], message: str) -> None:
    with pytest.raises(archive.ArchiveFilterError) as caught:
        archive.parse_filters(params)
    assert message in str(caught.value)


# --- scoping ------------------------------------------------------------------------------------


def test_a_per_account_editor_sees_only_their_accounts_posts_and_deliveries(posts: Posts) -> None:
    cast = posts.cast
    ollie = archive.with_evidence(archive.search(cast.ollie), cast.ollie)
    assert ids(ollie) == [posts.on_both.pk, posts.on_mastodon.pk]
    for post in ollie:
        assert {d["platform"] for d in archive.record_of(post)["deliveries"]} == {"mastodon"}
    # eddie: the Bluesky post; on_both failed on Bluesky, so nothing of it was published for him.
    assert ids(archive.search(cast.eddie)) == [posts.on_bluesky.pk]
    # Organization-wide roles see everything, every delivery.
    ada = archive.with_evidence(archive.search(cast.ada), cast.ada)
    assert len(ids(ada)) == 3
    both = next(p for p in ada if p.pk == posts.on_both.pk)
    assert [d["state"] for d in archive.record_of(both)["deliveries"]] == ["failed", "published"]
    assert ids(archive.search(cast.nora)) == []
    assert ids(archive.search(cast.mona)) == []  # the MFA gate


def test_the_page_lists_what_the_user_may_see_and_links_each_post(posts: Posts) -> None:
    page = signed_in(posts.cast.ollie).get("/archive/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'href="/posts/{posts.on_mastodon.pk}/"' in text
    assert f'href="/posts/{posts.on_both.pk}/"' in text
    assert f'href="/posts/{posts.on_bluesky.pk}/"' not in text
    assert "Library hours" not in text
    assert "2 published posts" in text
    # The export links keep the filters.
    filtered = signed_in(posts.cast.ollie).get("/archive/", {"q": "pool", "platform": "mastodon"})
    html = filtered.content.decode()
    assert "/archive/export/?format=csv&amp;q=pool&amp;platform=mastodon" in html
    assert "1 published post<" in html


def test_the_page_names_a_bad_filter(posts: Posts) -> None:
    page = signed_in(posts.cast.lola).get("/archive/", {"since": "yesterday"})
    assert page.status_code == 200
    assert "since: &#x27;yesterday&#x27; is not a date; use YYYY-MM-DD" in page.content.decode()


def test_the_page_is_paginated(posts: Posts, monkeypatch: pytest.MonkeyPatch) -> None:
    from postguard.web.views import archive as view

    monkeypatch.setattr(view, "PAGE_SIZE", 2)
    client = signed_in(posts.cast.lola)
    first = client.get("/archive/").content.decode()
    assert "Page 1 of 2" in first
    second = client.get("/archive/", {"page": "2"}).content.decode()
    assert f'href="/posts/{posts.on_bluesky.pk}/"' in second
    assert f'href="/posts/{posts.on_both.pk}/"' not in second


def test_the_evidence_page_of_a_post(posts: Posts) -> None:
    cast = posts.cast
    post = posts.on_bluesky
    html = signed_in(cast.lola).get(f"/archive/{post.pk}/").content.decode()
    assert post.current_version is not None
    digest = post.current_version.digest
    assert "approved = published" in html
    assert html.count(f"<code>{digest}</code>") >= 3  # approved, published, version 1
    assert "Rita &lt;rita@example.gov&gt;" in html
    assert f"remote-{post.pk}-{cast.bluesky.pk}" in html
    assert "Version 1 by Eddie &lt;eddie@example.gov&gt;" in html
    assert f'href="/posts/{post.pk}/"' in html
    # The list links to it.
    assert f'href="/archive/{post.pk}/"' in signed_in(cast.lola).get("/archive/").content.decode()


def test_the_evidence_page_is_scoped(posts: Posts) -> None:
    cast = posts.cast
    ollie = signed_in(cast.ollie)
    assert ollie.get(f"/archive/{posts.on_bluesky.pk}/").status_code == 404
    both = ollie.get(f"/archive/{posts.on_both.pk}/").content.decode()
    assert "Mastodon @county@mastodon.example" in both
    assert "Bluesky examplecounty.bsky.social" not in both
    assert signed_in(cast.nora).get(f"/archive/{posts.on_both.pk}/").status_code == 403
    # A post that has not gone out is not in the archive.
    assert signed_in(cast.lola).get(f"/archive/{posts.scheduled.pk}/").status_code == 404


def test_the_api_answers_one_archived_post(posts: Posts) -> None:
    cast = posts.cast
    body = signed_in(cast.eddie).get(f"/api/v1/archive/{posts.on_bluesky.pk}").json()
    assert (body["id"], body["digests_match"]) == (posts.on_bluesky.pk, True)
    assert [d["platform"] for d in body["deliveries"]] == ["bluesky"]
    response = signed_in(cast.eddie).get(f"/api/v1/archive/{posts.on_mastodon.pk}")
    assert response.status_code == 404
    assert "not visible to you" in response.json()["detail"]


# --- export -------------------------------------------------------------------------------------


def test_the_json_export_round_trips(posts: Posts) -> None:
    cast = posts.cast
    response = signed_in(cast.lola).get(
        "/archive/export/", {"format": "json", "since": "2026-05-01"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="postguard-archive-')
    document = json.loads(body_of(response))
    assert set(document) == {"exported_at", "filters", "posts"}
    assert document["filters"] == {"since": "2026-05-01"}
    dt.datetime.fromisoformat(document["exported_at"])
    expected = [
        archive.record_of(post)
        for post in archive.with_evidence(
            archive.search(cast.lola, archive.parse_filters({"since": "2026-05-01"})), cast.lola
        )
    ]
    assert document["posts"] == json.loads(json.dumps(expected))
    assert [p["id"] for p in document["posts"]] == [posts.on_both.pk, posts.on_mastodon.pk]


def test_an_empty_json_export_is_still_one_document(posts: Posts) -> None:
    response = signed_in(posts.cast.lola).get("/archive/export/", {"format": "json", "q": "zzz"})
    document = json.loads(body_of(response))
    assert document["posts"] == []
    assert document["filters"] == {"q": "zzz"}


def test_the_csv_export_has_one_row_per_delivery(posts: Posts) -> None:
    cast = posts.cast
    response = signed_in(cast.sam).get("/archive/export/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body_of(response).decode())))
    assert list(rows[0]) == list(archive.CSV_COLUMNS)
    assert [(int(r["post_id"]), r["platform"], r["delivery_state"]) for r in rows] == [
        (posts.on_both.pk, "bluesky", "failed"),
        (posts.on_both.pk, "mastodon", "published"),
        (posts.on_mastodon.pk, "mastodon", "published"),
        (posts.on_bluesky.pk, "bluesky", "published"),
    ]
    last = rows[-1]
    version = posts.on_bluesky.current_version
    assert version is not None
    assert last["approved_digest"] == last["published_digest"] == version.digest
    assert last["digests_match"] == "yes"
    assert last["approvers"].startswith("Rita <rita@example.gov> (")
    assert last["url"] == f"https://social.example/{posts.on_bluesky.pk}/{cast.bluesky.pk}"
    assert last["published_at"] == MARCH.isoformat()
    assert rows[0]["last_error"] == "the platform refused the post"


def test_the_csv_export_neutralises_formulas(flow: Flow) -> None:
    cast = flow.cast
    text = "=SUM(1,2) is how many pools open on Saturday"
    post = published_post(
        flow,
        cast.lola,
        cast.leo,
        [cast.bluesky.pk, cast.mastodon.pk],
        text,
        outcomes={cast.bluesky.pk: Delivery.State.PUBLISHED, cast.mastodon.pk: "failed"},
    )
    Delivery.objects.filter(post=post, state="failed").update(last_error="+1+cmd|' /C calc'!A0")
    Delivery.objects.filter(post=post, state="published").update(remote_id="@remote")
    response = signed_in(cast.lola).get("/archive/export/", {"format": "csv"})
    rows = list(csv.DictReader(io.StringIO(body_of(response).decode())))
    assert [r["text"] for r in rows] == [f"'{text}", f"'{text}"]
    assert rows[0]["remote_id"] == "'@remote"
    assert rows[1]["last_error"] == "'+1+cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tleading tab", "'\tleading tab"),
        ("\rleading return", "'\rleading return"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        (None, ""),
        (42, "42"),
    ],
)
def test_neutralise(value: Any, cell: str) -> None:
    assert archive.neutralise(value) == cell


def test_the_export_is_streamed_a_post_at_a_time(posts: Posts) -> None:
    response = signed_in(posts.cast.lola).get("/archive/export/", {"format": "csv"})
    assert response.streaming
    # The header, one chunk per post (its rows), nothing held back to the end.
    assert len(chunks_of(response)) == 1 + 3


def test_the_export_reads_its_posts_in_a_fixed_number_of_queries(posts: Posts, flow: Flow) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        export = archive.prepare_export(posts.cast.lola, archive.Filters(), "json")
        with CaptureQueriesContext(connection) as captured:
            document = json.loads("".join(export.chunks()))
        assert len(document["posts"]) == export.post_count
        return len(captured.captured_queries)

    before = queries()
    cast = posts.cast
    published_post(flow, cast.eddie, cast.rita, [cast.bluesky.pk], "One more for the archive.")
    assert queries() == before  # one query per kind of evidence, for a chunk of 100 posts


def test_an_export_is_audited_with_its_filters_and_counts(posts: Posts) -> None:
    cast = posts.cast
    body_of(signed_in(cast.ollie).get("/archive/export/", {"format": "csv", "q": "pool"}))
    event = AuditEvent.objects.filter(action="archive.export").latest("seq")
    assert event.actor_name == "Ollie <ollie@example.gov>"
    assert event.after == {
        "format": "csv",
        "filters": {"q": "pool"},
        "posts": 1,
        "deliveries": 1,
        "via": "web",
    }


def test_an_export_refuses_bad_filters_and_formats_and_records_nothing(posts: Posts) -> None:
    client = signed_in(posts.cast.lola)
    response = client.get("/archive/export/", {"format": "xlsx"})
    assert response.status_code == 400
    assert response.content.decode() == "format: 'xlsx' is not an export format; use json or csv\n"
    response = client.get("/archive/export/", {"format": "csv", "until": "31.12.2026"})
    assert response.status_code == 400
    assert "until: '31.12.2026' is not a date; use YYYY-MM-DD" in response.content.decode()
    assert not AuditEvent.objects.filter(action="archive.export").exists()


@pytest.mark.parametrize("who", ["rita", "connie", "nora"])
def test_an_export_needs_the_archive_export_permission(posts: Posts, who: str) -> None:
    response = signed_in(getattr(posts.cast, who)).get("/archive/export/", {"format": "json"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="archive.export").exists()


def test_a_reviewer_may_search_but_not_export(posts: Posts) -> None:
    page = signed_in(posts.cast.rita).get("/archive/").content.decode()
    assert f'href="/posts/{posts.on_bluesky.pk}/"' in page
    assert "Export CSV" not in page


# --- the API ------------------------------------------------------------------------------------


def test_the_api_pages_and_filters_the_archive(posts: Posts) -> None:
    client = signed_in(posts.cast.ada)
    body = client.get("/api/v1/archive", {"page_size": 2}).json()
    assert (body["count"], body["page"], body["pages"]) == (3, 1, 2)
    assert [p["id"] for p in body["posts"]] == [posts.on_both.pk, posts.on_mastodon.pk]
    body = client.get("/api/v1/archive", {"page_size": 2, "page": 2}).json()
    assert [p["id"] for p in body["posts"]] == [posts.on_bluesky.pk]
    assert body["posts"][0]["digests_match"] is True
    body = client.get("/api/v1/archive", {"platform": "mastodon", "q": "pool"}).json()
    assert [p["id"] for p in body["posts"]] == [posts.on_mastodon.pk]


def test_the_api_names_a_bad_filter(posts: Posts) -> None:
    response = signed_in(posts.cast.ada).get("/api/v1/archive", {"since": "May 1"})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "field": "query.since",
            "message": "'May 1' is not a date; use YYYY-MM-DD, such as 2026-11-28",
        }
    ]
    response = signed_in(posts.cast.ada).get("/api/v1/archive", {"page": 9})
    assert response.json()["errors"] == [
        {"field": "query.page", "message": "there are 1 page(s) of 50"}
    ]


def test_the_api_exports_csv_and_audits_it(posts: Posts) -> None:
    response = signed_in(posts.cast.eddie).get("/api/v1/archive/export", {"format": "csv"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(body_of(response).decode())))
    assert [int(r["post_id"]) for r in rows] == [posts.on_bluesky.pk]
    after = AuditEvent.objects.filter(action="archive.export").latest("seq").after or {}
    assert after["via"] == "api"
    assert (after["posts"], after["deliveries"]) == (1, 1)


def test_the_api_export_refuses_a_bad_format(posts: Posts) -> None:
    response = signed_in(posts.cast.eddie).get("/api/v1/archive/export", {"format": "pdf"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "query.format"


# --- the command --------------------------------------------------------------------------------


def run(*args: str) -> int:
    # Django closes connections when a command ends; inside a test transaction on PostgreSQL
    # that would end the test, so the close is skipped (as in tests/registry/test_commands.py).
    with mock.patch.object(connections, "close_all"):
        return main(["archive-export", "--skip-checks", *args])


def test_the_command_writes_the_export_and_audits_it(
    posts: Posts, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "archive.json"
    code = run("--format", "json", "--account", str(posts.cast.mastodon.pk), "--output", str(out))
    assert code == 0, capsys.readouterr().err
    assert "wrote 2 post(s), 3 delivery(ies)" in capsys.readouterr().err
    document = json.loads(out.read_text())
    assert [p.name for p in out.parent.iterdir()] == ["archive.json"]  # no partial file left
    assert [p["id"] for p in document["posts"]] == [posts.on_both.pk, posts.on_mastodon.pk]
    assert document["filters"] == {"account": posts.cast.mastodon.pk}
    event = AuditEvent.objects.filter(action="archive.export").latest("seq")
    assert (event.after or {})["via"] == "cli"
    assert event.device == "cli"


def test_the_command_writes_csv_to_standard_output(
    posts: Posts, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--format", "csv", "--since", "2026-05-21", "--as", "ada@example.gov") == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(int(r["post_id"]), r["platform"]) for r in rows] == [
        (posts.on_both.pk, "bluesky"),
        (posts.on_both.pk, "mastodon"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--since", "2026-13-01"),
            "--since: '2026-13-01' is not a date; use YYYY-MM-DD, such as 2026-11-28",
        ),
        (("--until", "tomorrow"), "--until: 'tomorrow' is not a date; use YYYY-MM-DD"),
        (("--account", "nowhere"), "--account 'nowhere': give an account id"),
        (("--account", "999"), "--account '999': no such platform account"),
        (("--output", "/no/such/folder/a.csv"), "--output /no/such/folder/a.csv: the folder"),
    ],
)
def test_the_command_names_a_bad_option(
    cast: Any, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    assert run("--format", "csv", *args) == 2
    assert message in capsys.readouterr().err
    assert not AuditEvent.objects.filter(action="archive.export").exists()


def test_the_command_refuses_someone_without_the_permission(
    cast: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--format", "json", "--as", "rita@example.gov") == 3
    assert "may not archive.export" in capsys.readouterr().err


def test_secrets_never_reach_an_export(posts: Posts, client: Client) -> None:
    from postguard.publishing.models import Connection

    Connection.objects.create(
        account=posts.cast.bluesky,
        service_url="https://pds.example",
        login="county.bsky.social",
        credential="ENCRYPTED-SECRET-BLOB",
        connected_by_name="sam",
    )
    for fmt in ("json", "csv"):
        body = body_of(signed_in(posts.cast.lola).get("/archive/export/", {"format": fmt}))
        assert b"ENCRYPTED-SECRET-BLOB" not in body
        assert b"social@example.gov" not in body  # the account's sign-in email

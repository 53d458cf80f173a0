"""The post pages for each permission case: compose, preview, the queue, the post page and its
actions (approve, request changes, override, comment, withdraw)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client

from postguard.registry.devices import set_device_cookie
from postguard.registry.services import enroll_device
from postguard.workflow.models import Post, State
from tests.web.conftest import signed_in
from tests.workflow.conftest import BLOCKED, CLEAN, REVIEW, Flow

pytestmark = pytest.mark.django_db


def on_device(cast: Any, user: Any, *, enrolled: bool = True) -> Client:
    client = signed_in(user)
    if enrolled:
        _, token = enroll_device(cast.lola, f"laptop for {user.username}")
        response = HttpResponse()
        set_device_cookie(response, token)
        client.cookies[settings.DEVICE_COOKIE_NAME] = response.cookies[
            settings.DEVICE_COOKIE_NAME
        ].value
    return client


def test_compose_saves_a_draft_and_submits_it(flow: Flow) -> None:
    cast = flow.cast
    client = on_device(cast, cast.eddie)
    page = client.get("/posts/new/")
    assert page.status_code == 200
    assert cast.mastodon.handle not in page.content.decode()  # only accounts Eddie may post to
    response = client.post(
        "/posts/new/", {"text": CLEAN, "targets": [cast.bluesky.pk], "and_submit": "1"}
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/"
    assert post.state == State.SUBMITTED


def test_compose_names_what_is_wrong(flow: Flow) -> None:
    client = on_device(flow.cast, flow.cast.eddie)
    response = client.post("/posts/new/", {"text": CLEAN, "targets": [flow.cast.mastodon.pk]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Post.objects.count() == 0


@pytest.mark.parametrize(("name", "status"), [("nora", 403), ("ada", 403), ("rita", 403)])
def test_compose_is_refused_to_who_may_not_draft(flow: Flow, name: str, status: int) -> None:
    client = on_device(flow.cast, getattr(flow.cast, name))
    assert client.get("/posts/new/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(flow: Flow) -> None:
    post = flow.draft()
    for url in ("/posts/", "/posts/new/", f"/posts/{post.pk}/"):
        assert Client().get(url)["Location"].startswith("/auth/login/")
    response = Client().post(f"/posts/{post.pk}/approve/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.state == State.DRAFT


def test_the_preview_underlines_findings_as_you_type(flow: Flow) -> None:
    client = on_device(flow.cast, flow.cast.eddie)
    response = client.post("/posts/preview/", {"text": BLOCKED, "targets": [flow.cast.bluesky.pk]})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<mark class="finding sev-block" title="pii.phone: ' in html
    assert ">555-123-4567</mark>" in html
    clean = client.post("/posts/preview/", {"text": CLEAN, "targets": [flow.cast.bluesky.pk]})
    assert "This text passes vetting" in clean.content.decode()


def test_the_review_queue_shows_others_posts_in_review(flow: Flow) -> None:
    post = flow.to_review()
    rita = on_device(flow.cast, flow.cast.rita).get("/posts/").content.decode()
    assert f'href="/posts/{post.pk}/"' in rita.split("My posts")[0]
    eddie = on_device(flow.cast, flow.cast.eddie).get("/posts/").content.decode()
    assert "Nothing is waiting for review" in eddie
    ollie = on_device(flow.cast, flow.cast.ollie).get(f"/posts/{post.pk}/")
    assert ollie.status_code == 404  # a Bluesky post is not Ollie's to see


def test_the_author_cannot_approve_and_a_reviewer_can(flow: Flow) -> None:
    post = flow.to_review()
    eddie = on_device(flow.cast, flow.cast.eddie)
    page = eddie.get(f"/posts/{post.pk}/").content.decode()
    assert "someone else must approve it" in page
    assert f'action="/posts/{post.pk}/approve/"' not in page
    assert eddie.post(f"/posts/{post.pk}/approve/").status_code == 403
    rita = on_device(flow.cast, flow.cast.rita)
    assert f'action="/posts/{post.pk}/approve/"' in rita.get(f"/posts/{post.pk}/").content.decode()
    rita.post(f"/posts/{post.pk}/approve/")
    post.refresh_from_db()
    assert post.state == State.APPROVED
    page = rita.get(f"/posts/{post.pk}/").content.decode()
    assert "Rita &lt;rita@example.gov&gt; (review, reviewer) approved version 1" in page
    assert "workflow.post.approved</code> by Rita &lt;rita@example.gov&gt;" in page  # the timeline


def test_a_reviewer_on_an_unenrolled_device_cannot_approve(flow: Flow) -> None:
    post = flow.to_review()
    rita = on_device(flow.cast, flow.cast.rita, enrolled=False)
    assert rita.post(f"/posts/{post.pk}/approve/").status_code == 403


def test_override_then_approve_in_the_browser_forms(flow: Flow) -> None:
    post = flow.to_review(text=REVIEW)
    sam = on_device(flow.cast, flow.cast.sam)
    page = sam.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/override/"' in page
    short = sam.post(
        f"/posts/{post.pk}/override/",
        {"rule": "link.not_allowed", "start": 14, "end": 43, "reason": "ok"},
        follow=True,
    )
    assert "written reason of at least 10 characters" in short.content.decode()
    sam.post(
        f"/posts/{post.pk}/override/",
        {"rule": "link.not_allowed", "start": 14, "end": 43, "reason": "NOAA is official"},
    )
    rita = on_device(flow.cast, flow.cast.rita)
    rita.post(f"/posts/{post.pk}/approve/")
    post.refresh_from_db()
    assert post.state == State.APPROVED


def test_blocking_findings_leave_no_approve_button_and_the_post_refuses(flow: Flow) -> None:
    post = flow.to_review(text=BLOCKED)
    rita = on_device(flow.cast, flow.cast.rita)
    page = rita.get(f"/posts/{post.pk}/").content.decode()
    assert f'action="/posts/{post.pk}/approve/"' not in page
    assert "A blocking finding cannot be approved" in page
    refused = rita.post(f"/posts/{post.pk}/approve/", follow=True).content.decode()
    assert "it cannot be approved" in refused
    rita.post(f"/posts/{post.pk}/changes/", {"reason": "Remove the phone number"})
    post.refresh_from_db()
    assert post.state == State.CHANGES_REQUESTED


def test_edit_comment_diff_and_withdraw(flow: Flow) -> None:
    post = flow.draft()
    eddie = on_device(flow.cast, flow.cast.eddie)
    eddie.post(
        f"/posts/{post.pk}/edit/",
        {"text": CLEAN + "\nAll welcome.", "targets": [flow.cast.bluesky.pk]},
    )
    post.refresh_from_db()
    assert post.versions.count() == 2
    diff = eddie.get(f"/posts/{post.pk}/diff/?from=1&to=2").content.decode()
    assert '<span class="add">+All welcome.</span>' in diff
    eddie.post(f"/posts/{post.pk}/comment/", {"text": "Ready for Rita"})
    assert post.comments.get().text == "Ready for Rita"
    nora = on_device(flow.cast, flow.cast.nora)
    assert nora.post(f"/posts/{post.pk}/comment/", {"text": "hi"}).status_code == 404
    eddie.post(f"/posts/{post.pk}/withdraw/", {"reason": "cancelled"})
    post.refresh_from_db()
    assert post.state == State.WITHDRAWN


def test_an_expiry_seen_on_a_page_view_is_the_system_s_act_not_the_viewer_s(flow: Flow) -> None:
    import datetime as dt

    from django.utils import timezone

    from postguard.audit.models import AuditEvent
    from postguard.workflow import services
    from postguard.workflow.models import Approval
    from tests.workflow.conftest import req

    post = flow.to_review()
    services.approve(post, flow.cast.rita, request=req(flow.cast.rita))
    Approval.objects.update(created_at=timezone.now() - dt.timedelta(hours=100))
    page = on_device(flow.cast, flow.cast.eddie).get(f"/posts/{post.pk}/").content.decode()
    assert 'id="post-state">in review<' in page
    event = AuditEvent.objects.filter(action="workflow.post.in_review").order_by("-seq")[0]
    assert (event.actor_id, event.actor_name) == ("", "system (local operator)")

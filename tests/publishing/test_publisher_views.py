"""Deliveries on the post page and in the post API answer: where each target's copy landed, or
what went wrong and what happens next. Visible to whoever may see the post, to nobody else."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils.html import escape

from postguard.publishing.models import Delivery
from tests.publishing.conftest import BlueskyTarget, MastodonTarget, Publishing
from tests.web.conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.servers]


def test_the_post_page_and_api_show_where_it_landed(
    publishing: Publishing, bluesky_target: BlueskyTarget, cast: Any
) -> None:
    post = publishing.scheduled("Shown on the page")
    publishing.run_jobs()
    delivery = Delivery.objects.get(post=post)

    page = signed_in(cast.eddie).get(f"/posts/{post.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="deliveries-h">Deliveries</h2>' in html
    assert str(cast.bluesky) in html
    link = escape(delivery.url)
    assert f'<a href="{link}" rel="noopener noreferrer">{link}</a>' in html

    answer = signed_in(cast.eddie).get(f"/api/v1/posts/{post.pk}")
    assert answer.status_code == 200
    [shown] = answer.json()["deliveries"]
    assert shown == {
        "id": delivery.pk,
        "account": cast.bluesky.pk,
        "account_name": str(cast.bluesky),
        "state": "published",
        "attempts": 1,
        "version": 1,
        "remote_id": delivery.remote_id,
        "url": delivery.url,
        "published_at": shown["published_at"],
        "last_error": "",
        "next_attempt_at": None,
    }
    assert shown["published_at"] is not None


def test_a_failure_is_explained_on_the_page_and_never_shows_the_token(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any
) -> None:
    mastodon_target.mock.revoke(mastodon_target.remote)
    post = publishing.scheduled("Will fail", [cast.mastodon])
    publishing.run_jobs()

    html = signed_in(cast.ollie).get(f"/posts/{post.pk}/").content.decode()
    assert "the token was revoked or has expired; reconnect the account" in html
    assert "Failed: fix what the message says" in html
    assert mastodon_target.remote.access_token not in html
    body = signed_in(cast.ollie).get(f"/api/v1/posts/{post.pk}").content.decode()
    assert "reconnect the account" in body
    assert mastodon_target.remote.access_token not in body


@pytest.mark.parametrize(("who", "status"), [("nora", 404), ("eddie", 404), ("ada", 200)])
def test_only_those_who_may_see_the_post_see_its_deliveries(
    publishing: Publishing, mastodon_target: MastodonTarget, cast: Any, who: str, status: int
) -> None:
    post = publishing.scheduled("Mastodon only", [cast.mastodon])
    publishing.run_jobs()
    assert signed_in(getattr(cast, who)).get(f"/posts/{post.pk}/").status_code == status
    assert signed_in(getattr(cast, who)).get(f"/api/v1/posts/{post.pk}").status_code == status

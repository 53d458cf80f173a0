"""The Mastodon connector against mastodon-mock, with the mock's fault injection.

mastodon-mock stands in for Mastodon because no real Mastodon server installs here: it speaks
the same client API (Idempotency-Key included) and can answer 429, 503, garbage, or nothing.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import httpx
import pytest
from PIL import Image

from postguard.connectors.base import (
    MediaItem,
    OutcomeUnknownError,
    PermanentError,
    PublishRequest,
    RetryableError,
    new_idempotency_key,
)
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient, Timeouts
from postguard.connectors.mastodon import MastodonConnector, html_to_text
from tests.connectors.loopback import Reply, Seen, forward, loopback_server
from tests.servers import MastodonAccount, MastodonMock

pytestmark = pytest.mark.servers


def request(text: str, *media: MediaItem, key: str | None = None) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key or new_idempotency_key(), media=media)


def png(color: str = "green") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 7), color).save(out, format="PNG")
    return out.getvalue()


def connector_for(
    url: str, account: MastodonAccount, *, read_timeout: float = 5.0
) -> tuple[MastodonConnector, HttpClient]:
    http = HttpClient(
        policy=AddressPolicy(allow_loopback=True),
        timeouts=Timeouts(connect=2, read=read_timeout, write=5),
    )
    connector = MastodonConnector(
        instance_url=url, access_token=Secret(account.access_token), http=http
    )
    return connector, http


def test_the_mock_start_time_is_recorded(
    mastodon_mock: MastodonMock, record_property: Callable[[str, object], None]
) -> None:
    record_property("mastodon_mock_startup_seconds", round(mastodon_mock.startup_seconds, 2))
    assert mastodon_mock.startup_seconds > 0


def test_verify_credentials_names_the_account(
    mastodon: MastodonConnector, mastodon_account: MastodonAccount
) -> None:
    info = mastodon.verify_credentials()
    assert info.remote_id == mastodon_account.id
    assert info.handle == mastodon_account.username


def test_publish_text(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    result = mastodon.publish(request("Council meeting tonight at 7"))

    [status] = mastodon_mock.statuses(mastodon_account)
    assert status["id"] == result.remote_id
    assert html_to_text(status["content"]) == "Council meeting tonight at 7"
    assert result.url == status["url"]
    assert result.version == ""


def test_publish_image_with_alt_text_round_trips_byte_identical(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock
) -> None:
    image = png("teal")
    result = mastodon.publish(
        request("The new bike lane", MediaItem(image, "image/png", "A green lane beside a curb"))
    )

    fetched = mastodon.fetch(result.remote_id)
    assert fetched is not None
    [media] = fetched.media
    assert media.alt == "A green lane beside a curb"
    assert httpx.get(media.url).content == image


def test_the_same_idempotency_key_twice_makes_one_status(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    key = new_idempotency_key()
    first = mastodon.publish(request("Only once", key=key))
    second = mastodon.publish(request("Only once", key=key))

    assert second.remote_id == first.remote_id
    assert len(mastodon_mock.statuses(mastodon_account)) == 1


def test_find_matches_text_and_alt_texts_not_just_any_recent_status(
    mastodon: MastodonConnector,
) -> None:
    image = MediaItem(png(), "image/png", "A map of the route")
    with_image = mastodon.publish(request("Route for Saturday's race", image))
    mastodon.publish(request("Route for Saturday's race"))  # same words, no image

    assert mastodon.find(request("Route for Saturday's race", image)) == with_image
    assert mastodon.find(request("Route for Sunday's race")) is None


def test_find_ignores_statuses_older_than_the_key(mastodon: MastodonConnector) -> None:
    from datetime import UTC, datetime, timedelta

    mastodon.publish(request("Weekly reminder"))
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    later_key = new_idempotency_key(tomorrow)
    assert mastodon.find(request("Weekly reminder", key=later_key)) is None


def test_rate_limited_is_retryable_after_what_the_server_said(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    mastodon_mock.inject_fault({"type": "ratelimit"})  # 429 with Retry-After: 300
    with pytest.raises(RetryableError) as caught:
        mastodon.publish(request("Too fast"))
    assert caught.value.retry_after == 300
    assert "rate limited (429); wait 300 s" in caught.value.message
    assert mastodon_mock.statuses(mastodon_account) == []


def test_service_unavailable_is_retryable(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    mastodon_mock.inject_fault({"type": "status", "status": 503, "headers": {"Retry-After": "7"}})
    with pytest.raises(RetryableError) as caught:
        mastodon.publish(request("Down for maintenance"))
    assert caught.value.retry_after == 7
    assert "answered 503" in caught.value.message
    assert mastodon_mock.statuses(mastodon_account) == []


def test_a_timeout_is_outcome_unknown_then_find_decides_and_nothing_duplicates(
    mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    connector, http = connector_for(mastodon_mock.url, mastodon_account, read_timeout=1.0)
    mastodon_mock.inject_fault({"type": "timeout"})  # the mock holds the request, never answers
    post = request("Slow network today")
    with pytest.raises(OutcomeUnknownError) as caught:
        connector.publish(post)
    assert "no answer in time after the request was sent" in caught.value.message

    # Before any retry: look. The mock never acted, so the post is not there; now a retry
    # (same key) is safe, and makes exactly one.
    assert connector.find(post) is None
    result = connector.publish(post)
    assert [s["id"] for s in mastodon_mock.statuses(mastodon_account)] == [result.remote_id]
    http.close()


def test_an_answer_lost_after_the_server_posted_is_found_not_resent(
    mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    # A proxy passes the status to the mock, then drops the connection: the post exists and
    # the connector cannot know. find() sees it; the publisher then records it, no retry.
    def route(seen: Seen) -> Reply:
        reply = forward(mastodon_mock.url, seen)
        if seen.method == "POST" and seen.path == "/api/v1/statuses":
            return Reply(drop=True)
        return reply

    with loopback_server(route) as proxy:
        connector, http = connector_for(proxy.url, mastodon_account)
        post = request("Accepted, answer lost", MediaItem(png(), "image/png", "A dropped call"))
        with pytest.raises(OutcomeUnknownError) as caught:
            connector.publish(post)
        assert "the connection dropped after the request was sent" in caught.value.message

        found = connector.find(post)
        http.close()
    assert found is not None
    [status] = mastodon_mock.statuses(mastodon_account)
    assert status["id"] == found.remote_id


def test_a_500_with_a_huge_body_on_publish_is_outcome_unknown_and_cut_short(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock
) -> None:
    mastodon_mock.inject_fault(
        {"type": "status", "status": 500, "body": {"error": "x" * 3_000_000}}
    )
    with pytest.raises(OutcomeUnknownError) as caught:
        mastodon.publish(request("Server trouble"))
    message = caught.value.message
    assert "answered 500 with 2,000,000 bytes (cut short)" in message
    assert "look for the post before retrying" in message
    assert len(message) < 600


def test_invalid_json_after_a_post_is_outcome_unknown(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock
) -> None:
    mastodon_mock.inject_fault({"type": "malformed"})  # 200 with '{"error": "truncated'
    with pytest.raises(OutcomeUnknownError) as caught:
        mastodon.publish(request("Garbage back"))
    assert "answered 2xx with" in caught.value.message
    assert "not JSON" in caught.value.message


def test_a_revoked_token_is_permanent_and_says_reconnect(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    mastodon_mock.revoke(mastodon_account)
    with pytest.raises(PermanentError) as caught:
        mastodon.publish(request("After revocation"))
    assert "the token was revoked or has expired; reconnect the account" in caught.value.message
    assert mastodon_account.access_token not in str(caught.value)


def test_fetch_a_deleted_status_is_none(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    result = mastodon.publish(request("Soon gone"))
    mastodon_mock.api(mastodon_account, "DELETE", f"/api/v1/statuses/{result.remote_id}")
    assert mastodon.fetch(result.remote_id) is None


def test_fetch_tells_an_edit_made_on_the_platform(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    result = mastodon.publish(request("Original words"))
    before = mastodon.fetch(result.remote_id)
    assert before is not None
    assert before.edited is False

    mastodon_mock.api(
        mastodon_account,
        "PUT",
        f"/api/v1/statuses/{result.remote_id}",
        json={"status": "Changed words"},
    )

    after = mastodon.fetch(result.remote_id)
    assert after is not None
    assert after.edited is True
    assert after.text == "Changed words"
    assert after.version != before.version


def test_recent_lists_posts_newest_first_including_ones_made_elsewhere(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    mastodon.publish(request("one"))
    mastodon_mock.api(mastodon_account, "POST", "/api/v1/statuses", data={"status": "not ours"})
    mastodon.publish(request("three"))

    assert [post.text for post in mastodon.recent(10)] == ["three", "not ours", "one"]
    assert [post.text for post in mastodon.recent(2)] == ["three", "not ours"]


def test_over_500_characters_is_refused_before_anything_is_sent(
    mastodon: MastodonConnector, mastodon_mock: MastodonMock, mastodon_account: MastodonAccount
) -> None:
    # Links count as 23 on real Mastodon (tests/connectors/test_base.py); the mock counts
    # them in full, so this test stays with plain text.
    mastodon.publish(request("x" * 500))
    with pytest.raises(PermanentError) as caught:
        mastodon.publish(request("x" * 501))
    assert caught.value.message == (
        "the text is 501 chars long; mastodon accepts at most 500: shorten it by 1"
    )
    assert len(mastodon_mock.statuses(mastodon_account)) == 1


def test_html_to_text_keeps_the_hidden_parts_of_links() -> None:
    content = (
        '<p>Read <a href="https://example.org/a/long/path"><span class="invisible">https://'
        '</span><span class="ellipsis">example.org/a/lo</span><span class="invisible">ng/path'
        "</span></a> &amp; reply</p><p>Line one<br />Line two</p>"
    )
    assert html_to_text(content) == (
        "Read https://example.org/a/long/path & reply\n\nLine one\nLine two"
    )

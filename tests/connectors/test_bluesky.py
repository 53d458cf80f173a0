"""The Bluesky connector against the reference PDS (@atproto/pds) running on loopback."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

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
from postguard.connectors.bluesky import BlueskyConnector, record_key
from postguard.connectors.bluesky.connector import parse_post_uri
from postguard.connectors.credentials import Secret
from postguard.connectors.http import HttpClient
from tests.connectors.loopback import Reply, Seen, forward, loopback_server
from tests.servers import BlueskyAccount, PdsServer

pytestmark = pytest.mark.servers


def png(color: str = "red", size: tuple[int, int] = (8, 6)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def request(text: str, *media: MediaItem, key: str | None = None) -> PublishRequest:
    return PublishRequest(text=text, idempotency_key=key or new_idempotency_key(), media=media)


def test_the_pds_start_time_is_recorded(
    pds: PdsServer, record_property: Callable[[str, object], None]
) -> None:
    # The figure goes into the JUnit report and the terminal summary, not into an assertion.
    record_property("bluesky_pds_startup_seconds", round(pds.startup_seconds, 2))
    assert pds.startup_seconds > 0


def test_verify_credentials_names_the_account(
    bluesky: BlueskyConnector, bluesky_account: BlueskyAccount
) -> None:
    info = bluesky.verify_credentials()
    assert info.remote_id == bluesky_account.did
    assert info.handle == bluesky_account.handle


def test_publish_text_lands_on_the_account(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    post = request("Library hours change on Monday: https://example.org/hours. Thanks!")
    result = bluesky.publish(post)

    repo, rkey = parse_post_uri(result.remote_id)
    assert repo == bluesky_account.did
    assert rkey == record_key(post.idempotency_key)
    assert result.url == f"https://bsky.app/profile/{bluesky_account.did}/post/{rkey}"
    assert result.version.startswith("bafy")
    [record] = pds.list_posts(bluesky_account)
    assert record["uri"] == result.remote_id
    assert record["value"]["text"] == post.text
    # The link is clickable: a facet over its exact UTF-8 byte span, without the final period.
    [facet] = record["value"]["facets"]
    start = post.text.encode().index(b"https://")
    assert facet["index"]["byteStart"] == start
    assert facet["index"]["byteEnd"] == start + len("https://example.org/hours")
    assert facet["features"][0]["uri"] == "https://example.org/hours"


def test_publish_image_with_alt_text_round_trips_byte_identical(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    image = png("navy", (12, 9))
    result = bluesky.publish(
        request("New reading room", MediaItem(image, "image/png", "Rows of desks under lamps"))
    )

    fetched = bluesky.fetch(result.remote_id)
    assert fetched is not None
    [media] = fetched.media
    assert media.alt == "Rows of desks under lamps"
    assert media.mime_type == "image/png"
    assert media.size == len(image)
    assert pds.blob(bluesky_account, media.ref) == image


def test_a_second_publish_with_the_same_key_returns_the_first_post(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    key = new_idempotency_key()
    first = bluesky.publish(request("Exactly once", key=key))
    again = bluesky.publish(request("Exactly once", key=key))

    assert again == first
    assert bluesky.find(request("Exactly once", key=key)) == first
    assert len(pds.list_posts(bluesky_account)) == 1


def test_a_create_at_a_taken_record_key_cannot_duplicate(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    # Another connector instance (another worker) that never looked first: the PDS refuses
    # the second create at the same record key, and the connector reports the existing post.
    key = new_idempotency_key()
    first = bluesky.publish(request("Two workers, one post", key=key))
    racer = BlueskyConnector(
        service_url=pds.url,
        handle=bluesky_account.handle,
        app_password=Secret(bluesky_account.app_password),
        http=http,
    )

    def never_found(rkey: str, *, repo: str | None = None) -> Any:
        return None

    racer._get_post = never_found  # type: ignore[method-assign]  # a worker that does not look

    with pytest.raises((RetryableError, OutcomeUnknownError)):
        racer.publish(request("Two workers, one post", key=key))
    assert len(pds.list_posts(bluesky_account)) == 1
    assert bluesky.find(request("Two workers, one post", key=key)) == first


def test_a_different_post_at_the_record_key_is_not_claimed(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    # Two keys that collide (odds about one in a million): the second post must not be
    # reported as published because a post exists at its key.
    key = new_idempotency_key()
    bluesky.publish(request("The first post", key=key))
    with pytest.raises(PermanentError, match="two idempotency keys collided"):
        bluesky.publish(request("Another post entirely", key=key))
    assert len(pds.list_posts(bluesky_account)) == 1


def test_find_without_a_post_is_none(bluesky: BlueskyConnector) -> None:
    assert bluesky.find(request("never sent")) is None


def test_a_wrong_app_password_is_a_permanent_error_saying_reconnect(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    connector = BlueskyConnector(
        service_url=pds.url,
        handle=bluesky_account.handle,
        app_password=Secret("aaaa-bbbb-cccc-dddd"),
        http=http,
    )
    with pytest.raises(PermanentError) as caught:
        connector.publish(request("should not go out"))
    assert "app password was revoked or mistyped" in caught.value.message
    assert "reconnect the account" in caught.value.message
    assert "aaaa-bbbb" not in str(caught.value)
    assert pds.list_posts(bluesky_account) == []


def test_a_revoked_app_password_is_a_permanent_error(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    pds.revoke_app_password(bluesky_account)
    connector = BlueskyConnector(
        service_url=pds.url,
        handle=bluesky_account.handle,
        app_password=Secret(bluesky_account.app_password),
        http=http,
    )
    with pytest.raises(PermanentError, match="app password was revoked"):
        connector.verify_credentials()


def expired_once(pds: PdsServer, method: str) -> Callable[[Seen], Reply]:
    """A proxy to the PDS that answers the first call of `method` as if the session expired."""
    state = {"expired": False}

    def route(seen: Seen) -> Reply:
        if method in seen.path and not state["expired"]:
            state["expired"] = True
            body = b'{"error": "ExpiredToken", "message": "Token has expired"}'
            return Reply(400, body, {"Content-Type": "application/json"})
        return forward(pds.url, seen)

    return route


def test_an_expired_session_signs_in_again_and_carries_on(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    with loopback_server(expired_once(pds, "createRecord")) as proxy:
        connector = BlueskyConnector(
            service_url=proxy.url,
            handle=bluesky_account.handle,
            app_password=Secret(bluesky_account.app_password),
            http=http,
        )
        result = connector.publish(request("After a long weekend"))
        sign_ins = [seen for seen in proxy.seen if seen.path.endswith("createSession")]
    assert len(sign_ins) == 2
    [record] = pds.list_posts(bluesky_account)
    assert record["uri"] == result.remote_id


def test_an_app_password_revoked_during_a_session_says_reconnect(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    with loopback_server(expired_once(pds, "listRecords")) as proxy:
        connector = BlueskyConnector(
            service_url=proxy.url,
            handle=bluesky_account.handle,
            app_password=Secret(bluesky_account.app_password),
            http=http,
        )
        connector.verify_credentials()
        pds.revoke_app_password(bluesky_account)
        with pytest.raises(PermanentError, match="the app password was revoked or mistyped"):
            connector.recent(5)


def test_fetch_a_deleted_post_is_none(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    result = bluesky.publish(request("Posted by mistake"))
    assert bluesky.fetch(result.remote_id) is not None

    pds.delete_post(bluesky_account, parse_post_uri(result.remote_id)[1])

    assert bluesky.fetch(result.remote_id) is None


def test_recent_lists_the_accounts_posts_newest_first(bluesky: BlueskyConnector) -> None:
    texts = ["first", "second", "third"]
    for text in texts:
        bluesky.publish(request(text))

    assert [post.text for post in bluesky.recent(10)] == ["third", "second", "first"]
    assert [post.text for post in bluesky.recent(2)] == ["third", "second"]


def test_recent_shows_a_post_made_outside_postguard(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    ours = bluesky.publish(request("ours"))
    pds._xrpc(
        "com.atproto.repo.createRecord",
        {
            "repo": bluesky_account.did,
            "collection": "app.bsky.feed.post",
            "record": {"text": "not ours", "createdAt": "2026-01-01T00:00:00.000Z"},
        },
        token=pds.session(bluesky_account),
    )
    recent = bluesky.recent(10)
    assert {post.text for post in recent} == {"ours", "not ours"}
    assert [post.remote_id for post in recent if post.text == "ours"] == [ours.remote_id]


def test_too_long_text_is_refused_before_anything_is_sent(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    # 301 graphemes, each a family emoji of several code points: Bluesky counts graphemes.
    with pytest.raises(PermanentError) as caught:
        bluesky.publish(request("👨‍👩‍👧" * 301))
    assert caught.value.message == (
        "the text is 301 graphemes long; bluesky accepts at most 300: shorten it by 1"
    )
    assert pds.list_posts(bluesky_account) == []


def test_300_graphemes_fit_when_they_fit_in_3000_bytes(bluesky: BlueskyConnector) -> None:
    text = "é" * 299 + "🇺🇦"  # 300 graphemes: 299 precomposed letters and one flag (2 code points)
    result = bluesky.publish(request(text))
    fetched = bluesky.fetch(result.remote_id)
    assert fetched is not None
    assert fetched.text == text


def test_300_emoji_over_3000_bytes_are_refused_before_anything_is_sent(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount
) -> None:
    # The PDS also limits the text to 3000 UTF-8 bytes: 300 family emoji are 5400 bytes.
    with pytest.raises(PermanentError, match="the text is 5400 bytes in UTF-8; bluesky accepts"):
        bluesky.publish(request("👨‍👩‍👧" * 300))
    assert pds.list_posts(bluesky_account) == []


def test_a_pds_answering_an_html_error_page_is_a_precise_error(
    http: HttpClient, bluesky_account: BlueskyAccount
) -> None:
    page = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body>"

    def route(seen: Seen) -> Reply:
        return Reply(502, page, {"Content-Type": "text/html"})

    with loopback_server(route) as broken:
        connector = BlueskyConnector(
            service_url=broken.url,
            handle=bluesky_account.handle,
            app_password=Secret(bluesky_account.app_password),
            http=http,
        )
        with pytest.raises(RetryableError) as caught:
            connector.verify_credentials()
    assert "answered 502 with an HTML page titled '502 Bad Gateway'" in caught.value.message


def test_an_answer_lost_after_the_pds_created_the_post_is_reconciled_not_resent(
    pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    # A proxy passes createRecord to the real PDS, then drops the connection: the post exists
    # and the answer is lost. The connector looks by record key instead of sending it again.
    def route(seen: Seen) -> Reply:
        reply = forward(pds.url, seen)
        return Reply(drop=True) if seen.path.endswith("createRecord") else reply

    with loopback_server(route) as proxy:
        connector = BlueskyConnector(
            service_url=proxy.url,
            handle=bluesky_account.handle,
            app_password=Secret(bluesky_account.app_password),
            http=http,
        )
        result = connector.publish(request("Sent, answer lost"))
        creates = [seen for seen in proxy.seen if seen.path.endswith("createRecord")]

    assert len(creates) == 1
    [record] = pds.list_posts(bluesky_account)
    assert record["uri"] == result.remote_id


def test_when_the_pds_goes_silent_after_a_create_the_outcome_is_unknown_until_found(
    bluesky: BlueskyConnector, pds: PdsServer, bluesky_account: BlueskyAccount, http: HttpClient
) -> None:
    # The create reaches the PDS; then the connection drops and every later request fails.
    state = {"created": False}

    def route(seen: Seen) -> Reply:
        if state["created"]:
            return Reply(drop=True)
        reply = forward(pds.url, seen)
        if seen.path.endswith("createRecord"):
            state["created"] = True
            return Reply(drop=True)
        return reply

    post = request("Outcome unknown")
    with loopback_server(route) as proxy:
        connector = BlueskyConnector(
            service_url=proxy.url,
            handle=bluesky_account.handle,
            app_password=Secret(bluesky_account.app_password),
            http=http,
        )
        with pytest.raises(OutcomeUnknownError) as caught:
            connector.publish(post)
    assert "the connection dropped after the request was sent" in caught.value.message
    assert "look for the post before retrying" in caught.value.message

    # Reconciliation, later, over a working connection: the post is there, once.
    found = bluesky.find(post)
    assert found is not None
    assert bluesky.publish(post) == found
    assert len(pds.list_posts(bluesky_account)) == 1

"""The connector interface's shared rules: how length is counted, what is refused before
sending, idempotency keys and the Bluesky record keys derived from them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from postguard.connectors.base import (
    LengthCounting,
    MediaItem,
    PermanentError,
    PublishRequest,
    check_against,
    graphemes,
    idempotency_key_time,
    new_idempotency_key,
    text_length,
)
from postguard.connectors.bluesky import CAPABILITIES as BLUESKY
from postguard.connectors.bluesky import record_key
from postguard.connectors.mastodon import CAPABILITIES as MASTODON


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("hello", 5),
        ("é", 1),  # e + combining acute
        ("🇺🇦", 1),  # two regional indicators
        ("👨‍👩‍👧", 1),  # three people joined by zero-width joiners
        ("👍🏽", 1),  # emoji + skin tone modifier
        ("नमस्ते", 3),  # Devanagari clusters
    ],
)
def test_graphemes_count_what_a_reader_sees(text: str, count: int) -> None:
    assert graphemes(text) == count


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("see https://example.org/" + "a" * 100, 4 + 23),
        ("two http://a.example and https://b.example/x", 4 + 23 + 5 + 23),
        ("hi @alice@social.example.org!", 10),  # a remote mention counts as @alice
        ("@bob hello", 10),
    ],
)
def test_mastodon_counts_links_as_23_and_mentions_by_username(text: str, count: int) -> None:
    assert text_length(text, LengthCounting.CHARS_LINKS_23) == count


def test_weighted_counting_weighs_cjk_and_emoji_double() -> None:
    assert text_length("abc", LengthCounting.WEIGHTED) == 3
    assert text_length("日本語", LengthCounting.WEIGHTED) == 6
    assert text_length("go https://example.org/long/path", LengthCounting.WEIGHTED) == 3 + 23


def png_item(size: int = 10, mime: str = "image/png", alt: str = "alt") -> MediaItem:
    return MediaItem(b"\x89PNG" + b"\x00" * size, mime, alt)


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (PublishRequest("", "k"), "the post is empty: give it text or an image"),
        (
            PublishRequest("x", "k", media=(png_item(),) * 5),
            "the post has 5 images; bluesky accepts at most 4",
        ),
        (
            PublishRequest("x", "k", media=(png_item(mime="image/tiff"),)),
            "image 1 is image/tiff; bluesky accepts image/gif, image/jpeg, image/png, image/webp",
        ),
        (
            PublishRequest("x", "k", media=(png_item(), png_item(size=1_000_000))),
            "image 2 is 1,000,004 bytes; bluesky accepts at most 1,000,000: "
            "resize or recompress it",
        ),
        (
            PublishRequest("x", "k", media=(png_item(alt="a" * 2001),)),
            "the alt text of image 1 is 2001 characters; bluesky accepts at most 2000",
        ),
    ],
)
def test_posts_a_platform_would_reject_are_refused_with_the_limit(
    request_: PublishRequest, message: str
) -> None:
    with pytest.raises(PermanentError) as caught:
        check_against(BLUESKY, request_)
    assert caught.value.message == message
    assert caught.value.platform == "bluesky"


def test_an_image_only_post_is_fine() -> None:
    check_against(MASTODON, PublishRequest("", "k", media=(png_item(),)))


def test_media_items_do_not_print_their_bytes() -> None:
    item = MediaItem(b"\xff\xd8" + b"secret-pixels" * 10, "image/jpeg", "alt")
    assert "secret-pixels" not in repr(item)
    assert re.fullmatch(r"MediaItem\(image/jpeg, 132 bytes, sha256=[0-9a-f]{12}\)", repr(item))


def test_idempotency_keys_are_uuid7_carrying_their_time() -> None:
    moment = datetime(2026, 11, 28, 9, 30, 15, 250000, tzinfo=UTC)
    key = new_idempotency_key(moment)
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", key)
    assert idempotency_key_time(key) == moment
    assert new_idempotency_key(moment) != key


def test_a_key_of_another_form_is_refused_with_how_to_make_one() -> None:
    with pytest.raises(ValueError, match="is not a UUID; make keys with new_idempotency_key"):
        idempotency_key_time("post-42")
    with pytest.raises(ValueError, match="is a version 4 UUID"):
        idempotency_key_time("0b6a0c1e-8d7b-4f5e-9a3c-2e1d0f9b8a7c")


def test_record_keys_are_tids_derived_from_the_key_and_its_time() -> None:
    earlier = new_idempotency_key(datetime(2026, 1, 1, tzinfo=UTC))
    later = new_idempotency_key(datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC))

    for key in (earlier, later):
        rkey = record_key(key)
        assert re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", rkey)
        assert record_key(key) == rkey  # a pure function of the key
    assert record_key(earlier) < record_key(later)  # time-ordered, like TIDs Bluesky apps make
    assert record_key(earlier) != record_key(new_idempotency_key(datetime(2026, 1, 1, tzinfo=UTC)))

"""The content digest: stable for the same content, different when any part changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from postguard.workflow.digest import DigestImage, content_digest

WHEN = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
BASE: dict[str, Any] = {
    "text": "Caf\u00e9 opens at 9",
    "images": [DigestImage("ab" * 32, "the café"), DigestImage("cd" * 32, "the door")],
    "account_ids": [3, 1],
    "not_before": WHEN,
    "not_after": WHEN + dt.timedelta(hours=2),
}


def test_the_digest_of_known_content_never_changes() -> None:
    # Stored approvals carry this value: a change here would void every approval ever made.
    assert content_digest(**BASE) == content_digest(**dict(BASE))
    assert len(content_digest(**BASE)) == 64
    # sha256 of {"images":[],"not_after":null,"not_before":null,"targets":[1],"text":"x","v":1}
    assert (
        content_digest(text="x", images=[], account_ids=[1], not_before=None, not_after=None)
        == "acb87b0bf6bb0e21fddcb0e48f25f41f80fc4a3f170a2cfe63b1c7587b24c7e1"
    )


def test_nfc_and_nfd_text_sign_the_same() -> None:
    decomposed = {**BASE, "text": "Cafe\u0301 opens at 9"}
    assert content_digest(**decomposed) == content_digest(**BASE)


def test_target_order_does_not_count_and_time_zones_are_one_instant() -> None:
    plus_one = dt.timezone(dt.timedelta(hours=1))
    same = {
        **BASE,
        "account_ids": [1, 3],
        "not_before": WHEN.astimezone(plus_one),
    }
    assert content_digest(**same) == content_digest(**BASE)


@pytest.mark.parametrize(
    "change",
    [
        {"text": "Café opens at 10"},
        {"text": "Café opens at 9 "},
        {"images": [DigestImage("ab" * 32, "the café")]},
        {"images": [DigestImage("cd" * 32, "the door"), DigestImage("ab" * 32, "the café")]},
        {"images": [DigestImage("ef" * 32, "the café"), DigestImage("cd" * 32, "the door")]},
        {"images": [DigestImage("ab" * 32, "the cafe"), DigestImage("cd" * 32, "the door")]},
        {"account_ids": [1]},
        {"account_ids": [1, 3, 4]},
        {"not_before": WHEN + dt.timedelta(microseconds=1)},
        {"not_before": None},
        {"not_after": WHEN + dt.timedelta(hours=3)},
        {"not_after": None},
    ],
    ids=lambda change: ",".join(change),
)
def test_any_change_changes_the_digest(change: dict[str, Any]) -> None:
    assert content_digest(**{**BASE, **change}) != content_digest(**BASE)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        content_digest(**{**BASE, "not_before": dt.datetime(2026, 12, 1, 9)})

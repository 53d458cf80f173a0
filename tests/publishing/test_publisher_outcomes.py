"""The publisher's pure decisions, table-driven: the post's state from its deliveries' states,
the wait before a retry, and which connector messages mean "the credential was refused"."""

from __future__ import annotations

import pytest

from postguard.publishing.outcomes import (
    BACKOFF_SECONDS,
    MAX_ATTEMPTS,
    backoff,
    credentials_refused,
    post_state,
)
from postguard.workflow.models import State


@pytest.mark.parametrize(
    ("deliveries", "expected"),
    [
        (["published"], State.PUBLISHED),
        (["published", "published"], State.PUBLISHED),
        (["published", "pending"], State.PUBLISHING),
        (["failed", "sending"], State.PUBLISHING),
        (["unconfirmed", "waiting"], State.PUBLISHING),  # still working on one: publishing
        (["published", "unconfirmed"], State.UNCONFIRMED),
        (["failed", "unconfirmed"], State.UNCONFIRMED),  # unknown beats failed: it may be out
        (["published", "failed"], State.FAILED),
        (["failed"], State.FAILED),
    ],
)
def test_the_post_follows_its_deliveries(deliveries: list[str], expected: State) -> None:
    assert post_state(deliveries) == expected


@pytest.mark.parametrize(
    ("attempts", "retry_after", "expected"),
    [
        (1, None, 5.0),
        (2, None, 30.0),
        (3, None, 120.0),
        (4, None, 600.0),
        (9, None, 600.0),  # past the table: its last step
        (1, 300.0, 300.0),  # the platform asked for longer: it wins
        (3, 7.0, 120.0),  # the platform asked for less: the backoff wins
        (0, None, 5.0),
    ],
)
def test_backoff_by_attempts_and_retry_after(
    attempts: int, retry_after: float | None, expected: float
) -> None:
    assert backoff(attempts, retry_after) == expected


def test_the_backoff_table_covers_every_attempt() -> None:
    assert len(BACKOFF_SECONDS) >= MAX_ATTEMPTS - 1


@pytest.mark.parametrize(
    ("message", "refused"),
    [
        (
            "Bluesky refused the handle @a.test with its app password at https://pds: the app "
            "password was revoked or mistyped; create a new app password in Bluesky's settings "
            "and reconnect the account",
            True,
        ),
        (
            "https://m.example refused this account's access token (401): the token was revoked "
            "or has expired; reconnect the account",
            True,
        ),
        (
            "POST https://m.example/api/v1/statuses answered 403 with the error 'forbidden': the "
            "platform refused this account's credentials; reconnect the account",
            True,
        ),
        ("the text is 301 graphemes long; bluesky accepts at most 300: shorten it by 1", False),
        ("POST https://m.example/api/v1/statuses answered 422 with the error 'nope'", False),
    ],
)
def test_which_messages_mean_the_credential_was_refused(message: str, refused: bool) -> None:
    assert credentials_refused(message) is refused

"""Helpers for the workflow tests: posts written by the cast, and running queued jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from postguard.jobs import runner
from postguard.workflow import services
from postguard.workflow.models import Post

CLEAN = "The library opens at 9 on Saturday. Come and see the new reading room!"
BLOCKED = "Questions? Call 555-123-4567 for help"  # pii.phone blocks at 5-17
REVIEW = "Storm update: https://www.noaa.gov/forecast"  # link.not_allowed, review, 14-43


def run_jobs() -> int:
    ran = 0
    while runner.run_next("test-worker") is not None:
        ran += 1
    return ran


class Flow:
    """Stories in a few words: `flow.draft(eddie)`, `flow.to_review(eddie, text=REVIEW)`."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast

    def content(self, text: str = CLEAN, **extra: Any) -> services.Content:
        return services.Content(
            text=text, account_ids=extra.pop("account_ids", [self.cast.bluesky.pk]), **extra
        )

    def draft(self, user: Any = None, text: str = CLEAN, **extra: Any) -> Post:
        return services.create_post(user or self.cast.eddie, self.content(text, **extra))

    def to_review(self, user: Any = None, text: str = CLEAN, **extra: Any) -> Post:
        post = self.draft(user, text, **extra)
        services.submit(post, user or self.cast.eddie, request=req(user or self.cast.eddie))
        run_jobs()
        post.refresh_from_db()
        return post


@pytest.fixture
def flow(cast: Any, settings: Any, tmp_path: Any) -> Flow:
    settings.MEDIA_ROOT = tmp_path / "media"
    return Flow(cast)


def req(user: Any, *, enrolled: bool = True) -> Any:
    """A request from `user` on an enrolled company device (or, enrolled=False, on a phone)."""
    from django.test import RequestFactory

    request = RequestFactory().post("/", HTTP_USER_AGENT="test browser")
    request.user = user
    request.device = "company laptop 7" if enrolled else None  # type: ignore[attr-defined]
    return request


def later(hours: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(hours=hours)


def set_policy(cast: Any, extra_yaml: str) -> None:
    """Replace the active policy with the cast's policy plus `extra_yaml`."""
    from postguard.policy.versions import sha256_of
    from tests.cast import CAST_POLICY

    text = CAST_POLICY + extra_yaml
    cast.policy.yaml_text = text
    cast.policy.sha256 = sha256_of(text)
    cast.policy.save()

"""Shared fixtures for the publishing tests: connected accounts on the real test servers, and a
post taken from draft to scheduled the way people do it. Other test directories may import
them (`from tests.publishing.conftest import ...`, then name the fixtures they use).

- `platform_settings`: a credentials key in the environment, connectors allowed on loopback.
- `bluesky_target`: the cast's Bluesky account connected to a fresh account on the session's
  reference PDS (tests/conftest.py `pds`).
- `mastodon_target`: the cast's Mastodon account connected to a fresh account on mastodon-mock,
  a stand-in because no real Mastodon server installs here; its faults are cleared afterwards.
- `publishing`: `publishing.scheduled(text, [accounts])` drafts (lola), submits, vets, approves
  as a second person (leo) and schedules (lola); `publishing.run_jobs()` runs the due jobs;
  `publishing.make_due(post)` moves its queued jobs and waiting deliveries to now (time passing,
  without sleeping).
- `abandon(post, reached_platform=..., target=...)`: a worker killed mid-call, left behind.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from postguard.connectors.credentials import Secret
from postguard.core.actors import SYSTEM
from postguard.jobs import runner
from postguard.jobs.models import Job
from postguard.publishing.connections import connect
from postguard.publishing.models import Delivery
from postguard.registry.models import PlatformAccount
from postguard.vetting.engine import Engine
from postguard.vetting.images.analysis import ImageAnalysers
from postguard.vetting.rules.registry import default_rules
from postguard.workflow import services, vetting
from postguard.workflow.models import Post, State
from tests.servers import BlueskyAccount, MastodonAccount, MastodonMock, PdsServer

CLEAN = "The library opens at 9 on Saturday. Come and see the new reading room!"


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@pytest.fixture
def platform_settings(settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    """A credentials key, connectors allowed to reach the loopback servers, a fresh MEDIA_ROOT,
    and a short platform timeout (a dropped answer is noticed quickly)."""
    monkeypatch.setenv("POSTGUARD_CREDENTIALS_KEY", new_key())
    settings.PLATFORM_ALLOW_LOOPBACK = True
    settings.PLATFORM_TIMEOUT_SECONDS = 5
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


@dataclass(frozen=True)
class BlueskyTarget:
    account: PlatformAccount
    remote: BlueskyAccount
    pds: PdsServer

    def posts(self) -> list[dict[str, Any]]:
        """Every post record on the remote account, straight from the PDS."""
        return self.pds.list_posts(self.remote)


@dataclass(frozen=True)
class MastodonTarget:
    account: PlatformAccount
    remote: MastodonAccount
    mock: MastodonMock

    def posts(self) -> list[dict[str, Any]]:
        """Every status on the remote account, straight from the mock."""
        return self.mock.statuses(self.remote)


def connect_bluesky(
    account: PlatformAccount, pds: PdsServer, *, via: str | None = None
) -> BlueskyTarget:
    """A fresh PDS account connected to `account`; `via` is a proxy in front of the PDS."""
    remote = pds.create_account()
    connect(
        account,
        service_url=via or pds.url,
        login=remote.handle,
        secret=Secret(remote.app_password),
        actor=SYSTEM,
    )
    return BlueskyTarget(account=account, remote=remote, pds=pds)


def connect_mastodon(
    account: PlatformAccount, mock: MastodonMock, *, via: str | None = None
) -> MastodonTarget:
    """A fresh mock account connected to `account`; `via` is a proxy in front of the mock."""
    remote = mock.create_account()
    connect(
        account,
        service_url=via or mock.url,
        login="",
        secret=Secret(remote.access_token),
        actor=SYSTEM,
    )
    return MastodonTarget(account=account, remote=remote, mock=mock)


@pytest.fixture
def bluesky_target(cast: Any, pds: PdsServer, platform_settings: Any) -> BlueskyTarget:
    return connect_bluesky(cast.bluesky, pds)


@pytest.fixture
def mastodon_target(
    cast: Any, mastodon_mock: MastodonMock, platform_settings: Any
) -> Iterator[MastodonTarget]:
    yield connect_mastodon(cast.mastodon, mastodon_mock)
    mastodon_mock.clear_faults()


def req(user: Any) -> Any:
    """A request from `user` on an enrolled company device."""
    from django.test import RequestFactory

    request = RequestFactory().post("/", HTTP_USER_AGENT="test browser")
    request.user = user
    request.device = "company laptop 7"  # type: ignore[attr-defined]
    return request


class Publishing:
    """Posts on their way out, told in a few words (see the module docstring)."""

    def __init__(self, cast: Any) -> None:
        self.cast = cast

    def approved(
        self,
        text: str = CLEAN,
        accounts: Sequence[PlatformAccount] | None = None,
        *,
        images: Sequence[services.ImageUpload] = (),
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        author: Any = None,
        approver: Any = None,
    ) -> Post:
        """Drafted by `author` (lola), vetted, approved by `approver` (leo): a second person."""
        author = author or self.cast.lola
        approver = approver or self.cast.leo
        targets = accounts if accounts is not None else [self.cast.bluesky]
        content = services.Content(
            text=text,
            account_ids=[a.pk for a in targets],
            not_before=not_before,
            not_after=not_after,
            images=list(images),
        )
        post = services.create_post(author, content, request=req(author))
        services.submit(post, author, request=req(author))
        self.run_jobs(only="workflow.vet")
        post.refresh_from_db()
        assert post.state == State.IN_REVIEW, f"post {post.pk} is {post.state} after vetting"
        services.approve(post, approver, request=req(approver))
        post.refresh_from_db()
        assert post.state == State.APPROVED, services.missing_approvals(post)
        return post

    def scheduled(
        self,
        text: str = CLEAN,
        accounts: Sequence[PlatformAccount] | None = None,
        **options: Any,
    ) -> Post:
        """`approved(...)`, then scheduled by its author: its publish job is queued."""
        post = self.approved(text, accounts, **options)
        author = options.get("author") or self.cast.lola
        return services.schedule(post, author, request=req(author))

    @staticmethod
    def run_jobs(only: str | None = None, worker: str = "test-worker") -> int:
        """Run every due job (or only those named `only`) until none is due; how many ran."""
        ran = 0
        while True:
            due = Job.objects.filter(state=Job.State.QUEUED, run_after__lte=timezone.now())
            if only is not None:
                due = due.filter(name=only)
            job = due.order_by("run_after", "id").first()
            if job is None or not runner.run(job.pk, worker):
                return ran
            ran += 1

    @staticmethod
    def make_due(post: Post) -> None:
        """Time passes: the post's queued jobs and waiting deliveries are due now."""
        now = timezone.now()
        ids = [str(i) for i in Delivery.objects.filter(post=post).values_list("id", flat=True)]
        Job.objects.filter(state=Job.State.QUEUED, object_id=str(post.pk)).filter(
            name="publishing.publish"
        ).update(run_after=now)
        Job.objects.filter(
            state=Job.State.QUEUED, name="publishing.reconcile", object_id__in=ids
        ).update(run_after=now)
        Delivery.objects.filter(post=post, next_attempt_at__isnull=False).update(
            next_attempt_at=now
        )


def abandon(post: Post, *, reached_platform: bool, target: BlueskyTarget) -> Delivery:
    """Claim the post and leave its one delivery as a worker killed mid-call leaves it: `sending`
    with a claim that has run out; `reached_platform`: the platform has the post already."""
    from postguard.publishing.connections import connector_for
    from postguard.publishing.outgoing import build_request
    from postguard.publishing.publisher import _claim_post

    assert _claim_post(post)
    delivery = Delivery.objects.select_related("account").get(post=post)
    if reached_platform:
        connector = connector_for(target.account)
        connector.publish(build_request(delivery, connector))
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENDING,
        attempts=1,
        claimed_by="worker-that-died",
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )
    return delivery


@pytest.fixture
def fast_vetting(monkeypatch: pytest.MonkeyPatch) -> None:
    """The vetting job with every rule but without the image and name models (quick)."""
    engine = Engine(default_rules(), image_analysers=ImageAnalysers())
    monkeypatch.setattr(vetting, "engine", lambda: engine)


@pytest.fixture
def publishing(cast: Any, platform_settings: Any, fast_vetting: None) -> Publishing:
    return Publishing(cast)

"""Two workers at once on the same post, each with its own database connection and committed
rows (threads; on SQLite and on PostgreSQL): exactly one of them publishes, once, on the real
PDS and on mastodon-mock (a stand-in because no real Mastodon server installs here)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from postguard.audit.models import AuditEvent
from postguard.jobs import runner
from postguard.jobs.models import Job
from postguard.publishing.models import Delivery
from postguard.publishing.publisher import PUBLISH_JOB, publish_post, reconcile_delivery
from postguard.workflow.models import State
from tests.publishing.conftest import BlueskyTarget, MastodonTarget, Publishing, abandon

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.servers]


def at_once(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls in threads released together; the exceptions they raised."""
    start = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        start.wait()
        try:
            call()
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_two_workers_racing_on_one_post_publish_it_once(
    publishing: Publishing,
    bluesky_target: BlueskyTarget,
    mastodon_target: MastodonTarget,
    cast: Any,
) -> None:
    post = publishing.scheduled("Exactly once", [cast.bluesky, cast.mastodon])

    errors = at_once(
        lambda: publish_post(post.pk, worker="worker-1"),
        lambda: publish_post(post.pk, worker="worker-2"),
    )

    assert errors == []
    post.refresh_from_db()
    assert post.state == State.PUBLISHED
    deliveries = list(Delivery.objects.filter(post=post))
    assert [(d.state, d.attempts) for d in deliveries] == [("published", 1), ("published", 1)]
    assert len(bluesky_target.posts()) == 1
    assert len(mastodon_target.posts()) == 1
    assert AuditEvent.objects.filter(action="workflow.post.publishing").count() == 1
    assert AuditEvent.objects.filter(action="publishing.delivery.published").count() == 2


def test_a_duplicated_job_message_runs_the_job_once(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("One message, delivered twice")
    job = Job.objects.get(name=PUBLISH_JOB, object_id=str(post.pk))

    errors = at_once(lambda: runner.run(job.pk, "worker-1"), lambda: runner.run(job.pk, "worker-2"))

    assert errors == []
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 1)
    assert len(bluesky_target.posts()) == 1


def test_the_publish_job_and_a_reconcile_job_racing_make_one_post(
    publishing: Publishing, bluesky_target: BlueskyTarget
) -> None:
    post = publishing.scheduled("Picked up twice")
    delivery = abandon(post, reached_platform=False, target=bluesky_target)

    errors = at_once(
        lambda: publish_post(post.pk, worker="worker-1"),
        lambda: reconcile_delivery(delivery.pk, worker="worker-2"),
    )

    assert errors == []
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("published", 2)
    assert len(bluesky_target.posts()) == 1

"""PostgreSQL, Redis and two Celery workers publish 300 scheduled posts to 10 accounts while one
worker is SIGKILLed mid-call (a restarted one joins the survivor) and the Mastodon stand-in
answers 429s, 503s and timeouts: every post ends published exactly once, or failed or
unconfirmed with a reason, as the platforms themselves show when their accounts are listed.

Bluesky: six accounts on the reference PDS (the session's `pds`). Mastodon: four accounts on
mastodon-mock, a stand-in because no real Mastodon server installs here; its fault injection
plays the unreliable network.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.harness import (
    RATE_LIMITED,
    TIMEOUT,
    UNAVAILABLE,
    Fault,
    PostgresDatabase,
    Scenario,
    create_accounts,
)
from tests.servers import MastodonMock, PdsServer

REDIS = "redis://127.0.0.1:6379/13"


@pytest.mark.slow
@pytest.mark.servers
@pytest.mark.timeout(1200)  # minutes on a quiet two-core machine; the bound is for busy ones
def test_celery_workers_publish_300_posts_exactly_once_through_a_crash_and_faults(
    pds: PdsServer,
    mastodon_mock: MastodonMock,
    postgres_run_database: PostgresDatabase,
    tmp_path: Path,
) -> None:
    scenario = Scenario(
        name="celery on PostgreSQL",
        database=postgres_run_database,
        work=tmp_path,
        backend="celery",
        broker=REDIS,
        accounts=create_accounts(pds, mastodon_mock, bluesky_count=6, mastodon_count=4),
        posts=300,
        mastodon=mastodon_mock,
        # Beat sends the sweep, which a worker runs: every 15 s, so it never fills a worker.
        sweep_seconds=15,
        replacement=True,  # a restarted worker joins the survivor, as a supervisor would
        settle_bound=600,
        faults_before=[
            Fault(RATE_LIMITED, count=3),
            Fault(UNAVAILABLE, count=3),
            Fault(TIMEOUT, count=2),
        ],
        faults_after_kill=[
            Fault(TIMEOUT, count=1),
            Fault(UNAVAILABLE, count=2),
            Fault(RATE_LIMITED, count=2),
        ],
    )
    verdict = scenario.run()
    assert not verdict.problems, scenario.report(verdict)
    print(scenario.report(verdict))

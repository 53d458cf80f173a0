"""The embedded default (a SQLite file, `postguard worker` processes): a worker is SIGKILLed
mid-call, a restarted one and the survivor finish, and every post is published exactly once,
or failed or unconfirmed with a reason, as listing the platform accounts shows.

120 posts over 4 accounts rather than the Celery run's 300 over 10: SQLite lets one process
write at a time, and the run must stay within a few minutes on a two-core CI machine; the
crash, the faults and the check are the same. mastodon-mock stands in for Mastodon because
no real Mastodon server installs here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.harness import (
    RATE_LIMITED,
    TIMEOUT,
    UNAVAILABLE,
    Fault,
    Scenario,
    SqliteDatabase,
    create_accounts,
)
from tests.servers import MastodonMock, PdsServer


@pytest.mark.slow
@pytest.mark.servers
def test_embedded_workers_publish_exactly_once_through_a_crash_and_faults(
    pds: PdsServer,
    mastodon_mock: MastodonMock,
    sqlite_run_database: SqliteDatabase,
    tmp_path: Path,
) -> None:
    scenario = Scenario(
        name="embedded on SQLite",
        database=sqlite_run_database,
        work=tmp_path,
        backend="embedded",
        accounts=create_accounts(pds, mastodon_mock, bluesky_count=2, mastodon_count=2),
        posts=120,
        mastodon=mastodon_mock,
        faults_before=[Fault(RATE_LIMITED, count=2), Fault(UNAVAILABLE, count=2)],
        faults_after_kill=[Fault(TIMEOUT, count=1), Fault(UNAVAILABLE, count=1)],
        replacement=True,
    )
    verdict = scenario.run()
    assert not verdict.problems, scenario.report(verdict)
    print(scenario.report(verdict))

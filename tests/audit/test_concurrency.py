"""Writers appending at the same moment are serialised: the chain never forks, no event is lost.

On PostgreSQL, threads append through their own connections to the test database (the chain
lock row is locked by each append). SQLite is only ever deployed as a file shared by processes,
so on SQLite separate processes append to one database file (the append's first write takes the
database's write lock); the test database there is in memory and cannot show that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from postguard.audit.log import record
from postguard.audit.models import AuditEvent
from postguard.audit.verify import verify_chain

THREADS = 6
EACH = 15
PROCESSES = 3

# Each process starts Django, says it is ready, and waits for "go" so that all append at once.
_APPEND = """
import pathlib, sys, time, django
django.setup()
from postguard.audit.log import record
count, name, rendezvous = int(sys.argv[1]), sys.argv[2], pathlib.Path(sys.argv[3])
(rendezvous / ("ready-" + name)).touch()
while not (rendezvous / "go").exists():
    time.sleep(0.01)
for i in range(count):
    record("registry.grant.create", actor_name="process " + name, after={"i": i})
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_writers_appending_at_once_never_fork_the_chain(tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        _processes_on_one_sqlite_file(tmp_path)
        return
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            start.wait()
            for i in range(EACH):
                record("registry.grant.create", actor_name=f"worker {worker}", after={"i": i})
        except BaseException as exc:  # reported below; a thread cannot fail the test itself
            failures.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=append, args=(n,)) for n in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert failures == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS * EACH + 1))
    report = verify_chain()
    assert report.intact, report.problems
    assert report.count == THREADS * EACH


def _processes_on_one_sqlite_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(
        POSTGUARD_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="postguard.settings.site",
    )
    postguard = [sys.executable, "-m", "postguard.cli.main"]
    migrate = subprocess.run(
        [*postguard, "migrate", "--no-input", "-v0"], env=env, capture_output=True, text=True
    )
    assert migrate.returncode == 0, migrate.stderr
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _APPEND, str(EACH * 2), str(n), str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES:
        if any(writer.poll() is not None for writer in writers):
            break  # a writer died while starting; its error is reported below
        time.sleep(0.05)
    (tmp_path / "go").touch()
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    verify = subprocess.run(
        [*postguard, "audit", "verify"], env=env, capture_output=True, text=True
    )
    total = PROCESSES * EACH * 2
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert f"OK: {total} events, seq 1 to {total}, chain intact" in verify.stdout

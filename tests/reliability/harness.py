"""The reliability harness: a run's own database, real worker processes, a kill, and the check
that every post reached its accounts exactly once, read back from the platforms themselves.

A run does not use pytest-django's test database: several processes (the staging process, two
or three workers, Celery beat) share one database, so the run makes its own (a fresh
PostgreSQL database on 127.0.0.1:5432, or a SQLite file) and migrates it in a subprocess. The
test process reads that database only with plain SQL, to watch progress and to explain a
failure; it never writes to it after staging. The benchmark (benchmarks/publishing.py) drives
the same harness.

Everything started here binds to 127.0.0.1, runs in its own process group, and is stopped by
its pid (SIGTERM to the group, then SIGKILL), also when the run fails.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import MastodonMock, PdsServer, stop_process

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
FINAL_POST_STATES = ("published", "failed", "unconfirmed")
ACTIVE_DELIVERY_STATES = ("pending", "sending", "waiting")


class RunError(AssertionError):
    """The run could not go on (a process died, a bound passed); the message says what."""


# --- the run's database -------------------------------------------------------------------------


class RunDatabase:
    """A database several processes share for one run; read here with plain SQL."""

    url: str
    vendor: str

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        raise NotImplementedError


class PostgresDatabase(RunDatabase):
    vendor = "postgresql"

    def __init__(self, name: str) -> None:
        import psycopg

        self.name = name
        self.url = f"{POSTGRES}/{name}"
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self._connection = psycopg.connect(self.url, autocommit=True)

    @classmethod
    def fresh(cls) -> PostgresDatabase:
        return cls(f"postguard_rel_{os.getpid()}_{secrets.token_hex(3)}")

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return list(self._connection.execute(sql.replace("?", "%s"), params).fetchall())

    def dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        cursor = self._connection.execute(sql.replace("?", "%s"), params)
        names = [column.name for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def drop(self) -> None:
        import psycopg

        self._connection.close()
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class SqliteDatabase(RunDatabase):
    vendor = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = f"sqlite:///{path.resolve()}"

    def _connect(self) -> sqlite3.Connection:
        # Read-only, a fresh connection per query: never holds a lock the workers wait on.
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with contextlib.closing(self._connect()) as connection:
            return list(connection.execute(sql, params).fetchall())

    def dicts(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with contextlib.closing(self._connect()) as connection:
            cursor = connection.execute(sql, params)
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


# --- accounts on the platforms ------------------------------------------------------------------


@dataclass
class RemoteAccount:
    """An account on a local platform server, as the run created it."""

    platform: str  # "bluesky" | "mastodon"
    handle: str
    service_url: str
    login: str
    secret: str = field(repr=False)
    did: str = ""  # Bluesky
    account_id: str = ""  # Mastodon

    def spec(self) -> dict[str, str]:
        return {
            "platform": self.platform,
            "handle": self.handle,
            "service_url": self.service_url,
            "login": self.login,
            "secret": self.secret,
        }


def create_accounts(
    pds: PdsServer | None, mastodon: MastodonMock | None, bluesky_count: int, mastodon_count: int
) -> list[RemoteAccount]:
    accounts = []
    for _ in range(bluesky_count):
        assert pds is not None
        made = pds.create_account()
        accounts.append(
            RemoteAccount(
                "bluesky", made.handle, pds.url, made.handle, made.app_password, did=made.did
            )
        )
    for _ in range(mastodon_count):
        assert mastodon is not None
        user = mastodon.create_account()
        accounts.append(
            RemoteAccount(
                "mastodon",
                f"@{user.username}",
                mastodon.url,
                "",
                user.access_token,
                account_id=user.id,
            )
        )
    return accounts


def platform_posts(account: RemoteAccount) -> list[tuple[str, str]]:
    """Every post on the account, read from the platform: (remote id, text), paging to the end.

    Bluesky: com.atproto.repo.listRecords on the account's repository. Mastodon (the mock):
    the account's statuses, newest first, paged with max_id.
    """
    found: list[tuple[str, str]] = []
    with httpx.Client(timeout=30) as client:
        if account.platform == "bluesky":
            cursor = None
            while True:
                params: dict[str, Any] = {
                    "repo": account.did,
                    "collection": "app.bsky.feed.post",
                    "limit": 100,
                }
                if cursor:
                    params["cursor"] = cursor
                answer = client.get(
                    f"{account.service_url}/xrpc/com.atproto.repo.listRecords", params=params
                )
                answer.raise_for_status()
                page = answer.json()
                found.extend((r["uri"], str(r["value"].get("text", ""))) for r in page["records"])
                cursor = page.get("cursor")
                if not cursor or not page["records"]:
                    return found
        max_id = None
        while True:
            query: dict[str, Any] = {"limit": 40}
            if max_id:
                query["max_id"] = max_id
            answer = client.get(
                f"{account.service_url}/api/v1/accounts/{account.account_id}/statuses",
                params=query,
                headers={"Authorization": f"Bearer {account.secret}"},
            )
            answer.raise_for_status()
            statuses = answer.json()
            found.extend((str(s["id"]), str(s.get("content", ""))) for s in statuses)
            if not statuses:
                return found
            max_id = statuses[-1]["id"]


# --- processes ----------------------------------------------------------------------------------


def credentials_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def run_environment(
    database: RunDatabase,
    data_dir: Path,
    *,
    key: str,
    backend: str = "embedded",
    broker: str | None = None,
    queue: str | None = None,
    lock_seconds: int | None = 20,
    sweep_seconds: float | None = 10,
    platform_timeout: int = 3,
) -> dict[str, str]:
    """The environment every process of the run gets (the test's own POSTGUARD_* dropped)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGUARD_", "DATABASE"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="postguard.settings.site",
        PYTHONPATH=str(ROOT),
        DATABASE_URL=database.url,
        POSTGUARD_DATA_DIR=str(data_dir),
        POSTGUARD_CREDENTIALS_KEY=key,
        POSTGUARD_PLATFORM_ALLOW_LOOPBACK="1",
        POSTGUARD_PLATFORM_TIMEOUT=str(platform_timeout),
        # Staging vets every post; names need the spaCy model, which these texts do not.
        POSTGUARD_NLP_MODEL="none",
        POSTGUARD_JOBS_BACKEND=backend,
    )
    if broker:
        environ["POSTGUARD_BROKER_URL"] = broker
    if queue:
        environ["RELIABILITY_QUEUE"] = queue
    if lock_seconds:
        environ["RELIABILITY_LOCK_SECONDS"] = str(lock_seconds)
        environ["POSTGUARD_JOB_LOCK_SECONDS"] = str(lock_seconds)
    if sweep_seconds:
        environ["RELIABILITY_SWEEP_SECONDS"] = str(sweep_seconds)
    return environ


def run_command(command: list[str], environ: dict[str, str], what: str, timeout: float) -> str:
    done = subprocess.run(
        command,
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-40:])
        raise RunError(f"{what} failed with exit code {done.returncode}:\n{tail}")
    return done.stdout


def migrate(environ: dict[str, str]) -> None:
    run_command(
        [str(BIN / "postguard"), "migrate", "--no-input"],
        environ,
        "migrating the run's database",
        timeout=240,
    )


STAGE = (sys.executable, "-m", "tests.reliability.stage")


def staging_environment(environ: dict[str, str]) -> dict[str, str]:
    """Staging sends no broker message: the run's workers find its jobs in the job table
    (the embedded worker by polling, Celery by the sweep), as they would find a job whose
    message was lost. With Celery, schedule()'s own message would come before the post is due
    and be dropped by the claim anyway."""
    staging = {k: v for k, v in environ.items() if k != "POSTGUARD_BROKER_URL"}
    staging["POSTGUARD_JOBS_BACKEND"] = "embedded"
    return staging


def stage_setup(environ: dict[str, str], work: Path, accounts: list[RemoteAccount]) -> Path:
    """Create the cast and connect the accounts (tests/reliability/stage.py `setup`).

    The credentials reach the staging process in a file readable by this user only, removed
    as soon as it is done. Returns the file naming the accounts (ids, handles; no secrets).
    """
    spec_path, accounts_path = work / "stage-setup.json", work / "stage-accounts.json"
    spec_path.touch(mode=0o600)
    spec_path.write_text(json.dumps({"accounts": [a.spec() for a in accounts]}))
    try:
        run_command(
            [*STAGE, "setup", str(spec_path), str(accounts_path)],
            staging_environment(environ),
            "staging the cast and the connections",
            timeout=300,
        )
    finally:
        spec_path.unlink(missing_ok=True)
    return accounts_path


def stage_posts(
    environ: dict[str, str],
    work: Path,
    database: RunDatabase,
    accounts_path: Path,
    *,
    parts: int = 1,
    **spec: Any,
) -> dict[str, Any]:
    """Schedule the run's posts (tests/reliability/stage.py `posts`) in `parts` processes side
    by side. spec: run (an id for the markers), posts, window_start (epoch seconds),
    window_seconds, second_target_every."""
    began = time.monotonic()
    run = str(spec["run"])
    spec_path = work / f"stage-{run}.json"
    spec_path.write_text(json.dumps(spec))
    outputs = [work / f"stage-{run}-posts-{part}.json" for part in range(parts)]
    running = [
        subprocess.Popen(
            [*STAGE, "posts", str(spec_path), str(accounts_path), str(part), str(parts), str(out)],
            env=staging_environment(environ),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for part, out in enumerate(outputs)
    ]
    for part, process in enumerate(running):
        output, _ = process.communicate(timeout=900)
        if process.returncode != 0:
            tail = "\n".join(output.splitlines()[-40:])
            raise RunError(f"staging posts (part {part}) failed:\n{tail}")
    posts = sorted(
        (entry for out in outputs for entry in json.loads(out.read_text())),
        key=lambda entry: entry["index"],
    )
    ids = [entry["post"] for entry in posts]
    jobs = {
        int(object_id)
        for (object_id,) in database.rows(
            "SELECT object_id FROM jobs_job WHERE name = 'publishing.publish'"
        )
    }
    return {
        "accounts": json.loads(accounts_path.read_text()),
        "posts": posts,
        "publish_jobs": len(jobs & set(ids)),
        "staged_seconds": time.monotonic() - began,
    }


@dataclass
class Worker:
    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def group_pids(self) -> set[int]:
        """The pids in the worker's process group (a Celery worker runs its jobs in a child)."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[2]) == self.process.pid:  # pgrp
                pids.add(int(stat.parent.name))
        return pids

    def log_tail(self, lines: int = 25) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return "\n".join(text.splitlines()[-lines:])


class Processes:
    """The run's worker processes: started in their own process groups, stopped by pid."""

    def __init__(self, work: Path, environ: dict[str, str]) -> None:
        self.work = work
        self.environ = environ
        self.workers: dict[str, Worker] = {}

    def start(self, name: str, command: list[str], ready: str | None = None) -> Worker:
        log = self.work / f"{name}.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                command,
                env=self.environ,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(name, process, log)
        self.workers[name] = worker
        if ready is not None:
            wait_until(
                lambda: ready in log.read_text(errors="replace") or process.poll() is not None,
                bound=120,
                what=f"{name} to start",
            )
            if process.poll() is not None:
                raise RunError(
                    f"{name} exited with code {process.returncode} while starting:\n"
                    + worker.log_tail()
                )
        return worker

    def embedded_worker(self, name: str) -> Worker:
        return self.start(
            name,
            [sys.executable, "-m", "tests.reliability.launch", "worker"],
            ready="Postguard worker (embedded) running",
        )

    def celery_worker(self, name: str) -> Worker:
        queue = self.environ["RELIABILITY_QUEUE"]
        return self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "tests.reliability.launch",
                "worker",
                "-c",
                "1",
                "-Q",
                queue,
                "-n",
                f"{name}-{queue}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            ready="ready.",
        )

    def celery_beat(self, name: str = "beat") -> Worker:
        return self.start(
            name,
            [
                str(BIN / "celery"),
                "-A",
                "tests.reliability.launch",
                "beat",
                "--schedule",
                str(self.work / "beat-schedule"),
                "--loglevel=INFO",
            ],
            ready="beat: Starting",
        )

    def kill(self, name: str) -> None:
        """SIGKILL the worker's whole process group: no cleanup, no goodbye, as a crash."""
        worker = self.workers[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=30)

    def alive(self) -> bool:
        """True while every worker not killed on purpose runs; RunError when one exited."""
        for worker in self.workers.values():
            if worker.process.returncode is None and worker.process.poll() is not None:
                raise RunError(
                    f"{worker.name} exited with code {worker.process.returncode} on its own:\n"
                    + worker.log_tail()
                )
        return True

    def stop_all(self) -> None:
        for worker in self.workers.values():
            stop_process(worker.process, timeout=20)


def remove_queue(broker: str, queue: str) -> None:
    """Leave nothing of the run's private queue on the broker (Redis): its messages, its
    bindings, and the killed worker's unacknowledged message, which Redis would otherwise
    restore to the queue an hour later."""
    import redis

    client = redis.Redis.from_url(broker)
    try:
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        for tag, value in client.hgetall("unacked").items():
            if queue.encode() in value:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()


def wait_until(
    condition: Callable[[], bool],
    *,
    bound: float,
    what: str,
    every: float = 0.2,
    explain: Callable[[], str] | None = None,
) -> float:
    """Wait for another process to do something; a bound, not a timing assertion."""
    began = time.monotonic()
    while time.monotonic() - began < bound:
        if condition():
            return time.monotonic() - began
        time.sleep(every)
    detail = f"\n{explain()}" if explain else ""
    raise RunError(f"gave up after {bound:.0f} s waiting for {what}{detail}")


# --- watching the run ---------------------------------------------------------------------------


def post_states(database: RunDatabase, post_ids: list[int]) -> Counter[str]:
    rows = database.rows("SELECT id, state FROM workflow_post")
    wanted = set(post_ids)
    return Counter(state for pk, state in rows if pk in wanted)


def delivery_states(database: RunDatabase) -> Counter[str]:
    return Counter(
        dict(database.rows("SELECT state, COUNT(*) FROM publishing_delivery GROUP BY state"))
    )


def settled(database: RunDatabase, post_ids: list[int]) -> bool:
    """Every post final, no delivery still in flight, and no unconfirmed one awaiting a check."""
    states = post_states(database, post_ids)
    if sum(states[s] for s in FINAL_POST_STATES) != len(post_ids):
        return False
    in_flight = database.rows(
        "SELECT COUNT(*) FROM publishing_delivery WHERE state IN (?, ?, ?) "
        "OR (state = 'unconfirmed' AND next_attempt_at IS NOT NULL)",
        ACTIVE_DELIVERY_STATES,
    )
    return int(in_flight[0][0]) == 0


def progress(database: RunDatabase, post_ids: list[int]) -> str:
    posts = post_states(database, post_ids)
    deliveries = delivery_states(database)
    jobs = database.rows("SELECT name, state, COUNT(*) FROM jobs_job GROUP BY name, state")
    return (
        f"posts by state: {dict(sorted(posts.items()))}; deliveries by state: "
        f"{dict(sorted(deliveries.items()))}; jobs: "
        + ", ".join(f"{n} {s} {c}" for n, s, c in sorted(jobs))
    )


def running_in(database: RunDatabase, pids: set[int]) -> tuple[list[str], list[str]]:
    """(deliveries in a platform call, jobs) held by these processes right now."""
    tags = {f":{pid}:" for pid in pids}
    sending = [
        f"delivery {pk} of post {post}"
        for pk, post, claimed_by in database.rows(
            "SELECT id, post_id, claimed_by FROM publishing_delivery WHERE state = 'sending'"
        )
        if any(tag in claimed_by for tag in tags)
    ]
    jobs = [
        f"job {pk} {name}({object_id})"
        for pk, name, object_id, locked_by in database.rows(
            "SELECT id, name, object_id, locked_by FROM jobs_job WHERE state = 'running'"
        )
        if any(tag in locked_by for tag in tags)
    ]
    return sending, jobs


# --- the check ----------------------------------------------------------------------------------


def delivery_events(database: RunDatabase) -> Counter[str]:
    """How many times deliveries went waiting, unconfirmed, published, found after a lost
    answer (the audit log's publishing.delivery.* events), and integrity alerts raised."""
    counts: Counter[str] = Counter()
    for action, after in database.rows(
        "SELECT action, after FROM audit_auditevent WHERE action LIKE ?", ("publishing.delivery.%",)
    ):
        counts[action.removeprefix("publishing.delivery.")] += 1
        details = json.loads(after) if isinstance(after, str) else (after or {})
        if action.endswith(".published") and details.get("found"):
            counts["found after a lost answer"] += 1
    for (kind,) in database.rows("SELECT kind FROM publishing_integrityalert"):
        counts[f"integrity alert {kind}"] += 1
    return counts


@dataclass
class Verdict:
    problems: list[str]
    summary: str
    outcomes: Counter[str]


def check_exactly_once(
    database: RunDatabase, staged: dict[str, Any], accounts: list[RemoteAccount]
) -> Verdict:
    """Every post published exactly once on each target (read back from the platforms), or
    failed or unconfirmed with a reason; no post lost, no marker twice, none off target."""
    by_handle = {a.handle: a for a in accounts}
    local = {a["id"]: by_handle[a["handle"]] for a in staged["accounts"]}
    on_platform: dict[int, list[tuple[str, str]]] = {
        account_id: platform_posts(remote) for account_id, remote in local.items()
    }
    deliveries = {
        (d["post_id"], d["account_id"]): d
        for d in database.dicts(
            "SELECT id, post_id, account_id, state, attempts, remote_id, last_error, claimed_by "
            "FROM publishing_delivery"
        )
    }
    posts = dict(database.rows("SELECT id, state FROM workflow_post"))
    problems: list[str] = []
    outcomes: Counter[str] = Counter()
    markers = {entry["marker"]: entry for entry in staged["posts"]}
    # Every copy of every marker, wherever it landed.
    landed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for account_id, remote_posts in on_platform.items():
        for remote_id, text in remote_posts:
            for marker in _markers_in(text, markers):
                landed[marker].append((account_id, remote_id))
    for entry in staged["posts"]:
        marker, post_id = entry["marker"], entry["post"]
        state = posts.get(post_id)
        copies = landed.get(marker, [])
        if state not in FINAL_POST_STATES:
            problems.append(f"LOST: post {post_id} ({marker}) ended {state}, not a final state")
        for account_id in entry["targets"]:
            here = [remote for acc, remote in copies if acc == account_id]
            delivery = deliveries.get((post_id, account_id))
            where = f"post {post_id} ({marker}) on {local[account_id].handle}"
            if delivery is None:
                problems.append(f"LOST: {where}: no delivery row; on the platform {len(here)}x")
                continue
            row = (
                f"delivery {delivery['id']} {delivery['state']} after {delivery['attempts']} "
                f"attempt(s), last_error={delivery['last_error']!r}"
            )
            outcomes[delivery["state"]] += 1
            if len(here) > 1:
                problems.append(f"DUPLICATED: {where}: {len(here)} copies {here}; {row}")
            elif delivery["state"] == "published":
                if not here:
                    problems.append(
                        f"LOST: {where}: published per Postguard, not on the platform; {row}"
                    )
                elif delivery["remote_id"] != here[0]:
                    problems.append(
                        f"WRONG ID: {where}: Postguard recorded {delivery['remote_id']!r}, the "
                        f"platform has {here[0]!r}; {row}"
                    )
            elif delivery["state"] == "failed":
                if here:
                    problems.append(f"FALSE FAILURE: {where}: failed, yet on the platform; {row}")
                if not delivery["last_error"]:
                    problems.append(f"NO REASON: {where}: failed without a reason; {row}")
            elif delivery["state"] == "unconfirmed":
                if not delivery["last_error"]:
                    problems.append(f"NO REASON: {where}: unconfirmed without a reason; {row}")
            else:
                problems.append(f"LOST: {where}: delivery still {row}")
        strays = [(acc, remote) for acc, remote in copies if acc not in entry["targets"]]
        if strays:
            problems.append(f"OFF TARGET: post {post_id} ({marker}) landed on {strays}")
    summary = (
        f"{len(staged['posts'])} posts, {sum(len(e['targets']) for e in staged['posts'])} "
        f"deliveries: {dict(sorted(outcomes.items()))}; on the platforms: "
        + ", ".join(f"{local[a].handle} {len(p)}" for a, p in sorted(on_platform.items()))
    )
    return Verdict(problems, summary, outcomes)


MARKER = re.compile(r"Reliability run \S+ notice \d{4}")


def _markers_in(text: str, markers: dict[str, Any]) -> list[str]:
    return [found for found in MARKER.findall(text) if found in markers]


@contextlib.contextmanager
def faults_cleared(mastodon: MastodonMock | None) -> Iterator[None]:
    """The session's mock serves other tests too: leave no fault behind."""
    try:
        yield
    finally:
        if mastodon is not None:
            mastodon.clear_faults()


# --- the scenario both tests run ----------------------------------------------------------------


@dataclass
class Fault:
    """One mastodon-mock fault rule: what it does, to which requests, how many times."""

    effect: dict[str, Any]
    count: int
    path: str = "/api/v1/statuses"
    methods: tuple[str, ...] = ("POST",)

    def inject(self, mastodon: MastodonMock) -> None:
        mastodon.inject_fault(self.effect, path=self.path, methods=self.methods, count=self.count)


# Retry-After is shortened from the mock's default 300 s so a retry falls inside the run.
RATE_LIMITED = {"type": "ratelimit", "headers": {"Retry-After": "2"}}
UNAVAILABLE = {"type": "status", "status": 503, "headers": {"Retry-After": "1"}}
# The mock holds the request for 30 s and then creates the status: the answer is lost after
# the platform accepted the post (the workers' platform timeout is 3 s).
TIMEOUT = {"type": "timeout"}


@dataclass
class Scenario:
    """Workers publish staged posts; one is SIGKILLed mid-call; the rest must finish."""

    name: str
    database: RunDatabase
    work: Path
    backend: str  # "embedded" | "celery"
    accounts: list[RemoteAccount]
    posts: int
    mastodon: MastodonMock | None = None
    broker: str | None = None
    window_seconds: float = 20.0
    second_target_every: int = 10
    faults_before: list[Fault] = field(default_factory=list)
    faults_after_kill: list[Fault] = field(default_factory=list)
    replacement: bool = False  # start a new worker after the kill (else the survivor finishes)
    kill_after_fraction: float = 1 / 3
    # Shorter than production's 30 s so a crash is recovered within the test's bound; longer
    # than one sweep takes with a few hundred scheduled posts (about 60 ms per post on a busy
    # two-core machine: it checks every scheduled post's approvals).
    sweep_seconds: float = 10.0
    settle_bound: float = 240.0
    log: list[str] = field(default_factory=list)

    def note(self, line: str) -> None:
        self.log.append(f"[{time.strftime('%H:%M:%S')}] {line}")

    def run(self) -> Verdict:
        queue = f"postguard-reliability-{secrets.token_hex(4)}"
        environ = run_environment(
            self.database,
            self.work / "var",
            key=credentials_key(),
            backend=self.backend,
            broker=self.broker,
            queue=queue if self.backend == "celery" else None,
            sweep_seconds=self.sweep_seconds,
        )
        migrate(environ)
        self.note(f"migrated {self.database.vendor} database")
        run_id = secrets.token_hex(3)
        # The posts fall due over `window_seconds`, starting about when staging should end.
        parts = 2 if self.database.vendor == "postgresql" else 1
        accounts_path = stage_setup(environ, self.work, self.accounts)
        staged = stage_posts(
            environ,
            self.work,
            self.database,
            accounts_path,
            parts=parts,
            run=run_id,
            posts=self.posts,
            window_start=time.time() + 10 + 0.3 * self.posts / parts,
            window_seconds=self.window_seconds,
            second_target_every=self.second_target_every,
        )
        post_ids = [entry["post"] for entry in staged["posts"]]
        deliveries = sum(len(entry["targets"]) for entry in staged["posts"])
        self.note(
            f"staged {len(post_ids)} posts ({deliveries} deliveries) on "
            f"{len(self.accounts)} accounts in {staged['staged_seconds']:.0f} s; "
            f"{staged['publish_jobs']} publish jobs queued"
        )
        if staged["publish_jobs"] < len(post_ids):
            raise RunError(
                f"schedule() queued {staged['publish_jobs']} publish jobs for {len(post_ids)} posts"
            )
        processes = Processes(self.work, environ)
        injected = 0
        try:
            with faults_cleared(self.mastodon):
                for fault in self.faults_before:
                    assert self.mastodon is not None
                    fault.inject(self.mastodon)
                    injected += fault.count
                if self.backend == "celery":
                    processes.celery_beat()
                    start = processes.celery_worker
                else:
                    start = processes.embedded_worker
                victim, survivor = start("worker-1"), start("worker-2")
                self.note(f"started {victim.name} (pid {victim.process.pid}) and {survivor.name}")

                def explain() -> str:
                    return progress(self.database, post_ids)

                def published() -> int:
                    return delivery_states(self.database)["published"]

                wait_until(
                    lambda: (
                        processes.alive() and published() >= deliveries * self.kill_after_fraction
                    ),
                    bound=self.settle_bound,
                    what=f"a third of the {deliveries} deliveries to be published",
                    explain=explain,
                )
                hit = self._kill_mid_call(processes, victim)
                self.note(f"SIGKILLed {victim.name} holding {hit}; {explain()}")
                for fault in self.faults_after_kill:
                    assert self.mastodon is not None
                    fault.inject(self.mastodon)
                    injected += fault.count
                if self.replacement:
                    started = start("worker-3")
                    self.note(f"started {started.name} (pid {started.process.pid})")
                took = wait_until(
                    lambda: processes.alive() and settled(self.database, post_ids),
                    bound=self.settle_bound,
                    what="every post to reach a final state after the kill",
                    every=0.5,
                    explain=explain,
                )
                self.note(f"settled {took:.0f} s after the kill: {explain()}")
        finally:
            processes.stop_all()
            if self.broker:
                remove_queue(self.broker, queue)
        verdict = check_exactly_once(self.database, staged, self.accounts)
        if not hit[0] and not hit[1]:
            verdict.problems.append(
                f"the kill of {victim.name} hit no running job: the run did not test a crash"
            )
        events = delivery_events(self.database)
        self.note(f"delivery events: {dict(sorted(events.items()))}")
        faults = self.faults_before + self.faults_after_kill
        retryable = sum(f.count for f in faults if f.effect["type"] != "timeout")
        timeouts = sum(f.count for f in faults if f.effect["type"] == "timeout")
        if events["waiting"] < retryable:
            verdict.problems.append(
                f"the mock's {retryable} 429/503 faults should each have sent a delivery to "
                f"wait; the audit log has {events['waiting']} waiting events"
            )
        if events["unconfirmed"] < timeouts:
            verdict.problems.append(
                f"the mock's {timeouts} timeouts should each have left a delivery unconfirmed; "
                f"the audit log has {events['unconfirmed']} unconfirmed events"
            )
        not_published = deliveries - verdict.outcomes["published"]
        if not_published > injected:
            verdict.problems.append(
                f"{not_published} deliveries did not publish, more than the {injected} faults "
                "the mock injected could explain"
            )
        self.note(verdict.summary)
        return verdict

    def _kill_mid_call(self, processes: Processes, victim: Worker) -> tuple[list[str], list[str]]:
        """SIGKILL the victim while it is inside a platform call (or at least running a job)."""
        deadline = time.monotonic() + 30
        hit: tuple[list[str], list[str]] = ([], [])
        while time.monotonic() < deadline:
            hit = running_in(self.database, victim.group_pids())
            if hit[0]:
                break
            time.sleep(0.02)
        processes.kill(victim.name)
        return hit

    def report(self, verdict: Verdict) -> str:
        shown = verdict.problems[:40]
        more = len(verdict.problems) - len(shown)
        return "\n".join(
            [
                f"{self.name}: {len(verdict.problems)} problem(s)",
                *shown,
                *([f"... and {more} more"] if more else []),
                "run log:",
                *self.log,
            ]
        )

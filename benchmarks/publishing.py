"""Publishing benchmark: throughput to the local platform servers with 1, 2 and 4 embedded
workers, lateness (published minus scheduled time), and a profile of where a worker's time goes.

    python -m benchmarks.publishing            # full run, writes figures into benchmarks/README.md
    python -m benchmarks.publishing --quick    # fewer posts; prints only

It starts its own reference Bluesky PDS and mastodon-mock (a stand-in: no real Mastodon server
installs here) on loopback, one SQLite database (the embedded default) migrated in a
subprocess, and real `postguard worker` processes; it reuses the reliability harness
(tests/reliability/harness.py), so every post is drafted, vetted, approved by a second person
and scheduled through the services before the workers start.

- Throughput: a burst of posts all due at the same instant, after the workers are ready;
  posts per second from that instant to the last platform timestamp.
- Lateness: posts due one by one at a steady rate below the measured capacity; each delivery's
  platform timestamp minus its post's not_before. Floor: p99 <= 5 s.
- Profile: cProfile of one worker through a burst, its job time split into waiting on the
  platforms' HTTP (Bluesky's login and createRecord, Mastodon's status POST), the database,
  and Postguard's own Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import Floor, Section

README = Path(__file__).with_name("README.md")
BEGIN = "<!-- bench:publishing:start -->"
END = "<!-- bench:publishing:end -->"
FLOOR_P99_LATENESS = 5.0
WORKER_COUNTS = (1, 2, 4)


@dataclass
class Burst:
    workers: int
    deliveries: int
    seconds: float
    lateness: list[float]

    @property
    def per_second(self) -> float:
        return self.deliveries / self.seconds if self.seconds > 0 else 0.0


def _epoch(value: Any) -> float:
    """A timestamp from the database: a datetime (PostgreSQL) or ISO text (SQLite, UTC)."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        moment = dt.datetime.fromisoformat(str(value).replace(" ", "T"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[rank]


class Bench:
    """One database, the servers, and a fresh set of posts and workers per measurement."""

    def __init__(self, work: Path, bluesky: int = 2, mastodon: int = 2) -> None:
        from tests.reliability import harness
        from tests.servers import MastodonMock, PdsServer

        self.h = harness
        self.work = work
        self.pds = PdsServer().start()
        self.mastodon = MastodonMock().start()
        self.database = harness.SqliteDatabase(work / "bench.sqlite3")
        self.base_environ = harness.run_environment(
            self.database,
            work / "var",
            key=harness.credentials_key(),
            # Production timings: the benchmark kills nothing, so nothing needs shortening.
            lock_seconds=None,
            sweep_seconds=None,
            platform_timeout=20,
        )
        harness.migrate(self.base_environ)
        self.accounts = harness.create_accounts(self.pds, self.mastodon, bluesky, mastodon)
        self.accounts_path = harness.stage_setup(self.base_environ, work, self.accounts)

    def close(self) -> None:
        self.mastodon.stop()
        self.pds.stop()
        self.database.drop()

    def _stage(self, posts: int, start: float, window: float) -> dict[str, Any]:
        return self.h.stage_posts(
            self.base_environ,
            self.work,
            self.database,
            self.accounts_path,
            run=secrets.token_hex(3),
            posts=posts,
            window_start=start,
            window_seconds=window,
            second_target_every=0,
        )

    def _publish(
        self, staged: dict[str, Any], workers: int, *, profile: Path | None = None
    ) -> tuple[list[float], float]:
        """Start the workers, wait until every staged post is settled; (lateness per delivery,
        when the last worker was ready)."""
        environ = dict(self.base_environ)
        processes = self.h.Processes(self.work, environ)
        post_ids = [entry["post"] for entry in staged["posts"]]
        try:
            for number in range(workers):
                if profile is not None and number == 0:
                    processes.environ = {**environ, "RELIABILITY_PROFILE": str(profile)}
                processes.embedded_worker(f"bench-worker-{number + 1}")
                processes.environ = environ
            ready = time.time()
            self.h.wait_until(
                lambda: processes.alive() and self.h.settled(self.database, post_ids),
                bound=900,
                what="every post of the measurement to settle",
                every=0.25,
                explain=lambda: self.h.progress(self.database, post_ids),
            )
        finally:
            processes.stop_all()
        due = {entry["post"]: entry["not_before"] for entry in staged["posts"]}
        rows = [
            row
            for row in self.database.rows(
                "SELECT post_id, state, published_at FROM publishing_delivery"
            )
            if row[0] in due
        ]
        not_published = [(post, state) for post, state, _ in rows if state != "published"]
        if not_published or len(rows) != len(post_ids):
            raise self.h.RunError(
                f"the benchmark's posts did not all publish: {not_published[:10]} "
                f"({len(rows)} deliveries for {len(post_ids)} posts)"
            )
        return [_epoch(published) - due[post] for post, _, published in rows], ready

    def burst(self, posts: int, workers: int, *, profile: Path | None = None) -> Burst:
        # Due together, after staging and the workers' start-up (a few seconds each).
        staged_at = time.time()
        start = staged_at + 8 + 0.3 * posts + 6 * workers
        staged = self._stage(posts, start, 0.0)
        lateness, ready = self._publish(staged, workers, profile=profile)
        # If the workers were not ready by the due time, count from when they were.
        origin = max(start, ready)
        last = max(start + late for late in lateness)
        return Burst(workers, len(lateness), last - origin, lateness)

    def paced(self, posts: int, rate: float, workers: int) -> list[float]:
        window = (posts - 1) / rate
        start = time.time() + 8 + 0.3 * posts + 6 * workers
        staged = self._stage(posts, start, window)
        lateness, _ = self._publish(staged, workers)
        return lateness


# --- the profile --------------------------------------------------------------------------------

# Functions whose cumulative time is one category; they never call each other's kind.
# Every connector's HTTP goes through this transport (Mastodon.py's requests too, adapted).
HTTP_FUNCTIONS = (("postguard/connectors/http.py", "handle_request"),)
SIGN_IN_FUNCTIONS = (("postguard/connectors/bluesky/connector.py", "_login"),)
DB_FUNCTIONS = (
    ("django/db/backends/utils.py", "_execute"),
    ("django/db/backends/utils.py", "_executemany"),
    ("django/db/backends/base/base.py", "commit"),
    ("django/db/backends/base/base.py", "connect"),
)
STRIP_FUNCTIONS = (("postguard/vetting/images/strip.py", "strip"),)
# A built-in: ssl.SSLContext.load_verify_locations, the CA bundle read for each new client.
TLS_SETUP = (("~", "<method 'load_verify_locations' of '_ssl._SSLContext' objects>"),)


def _cumulative(stats: pstats.Stats, wanted: tuple[tuple[str, str], ...]) -> float:
    total = 0.0
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps it untyped
    for (filename, _, name), (_, _, _, cumulative, _) in table.items():
        if any(filename.endswith(path) and name == function for path, function in wanted):
            total += cumulative
    return total


def profile_table(path: Path) -> tuple[list[str], dict[str, float]]:
    """Markdown rows of where one worker's publish-job time went, and the seconds by part.

    The profile covers only the publish and reconcile jobs (tests/reliability/launch.py).
    """
    stats = pstats.Stats(str(path))
    jobs = float(stats.total_tt)  # type: ignore[attr-defined]  # pstats keeps it untyped
    http = _cumulative(stats, HTTP_FUNCTIONS)
    sign_in = min(http, _cumulative(stats, SIGN_IN_FUNCTIONS))
    database = _cumulative(stats, DB_FUNCTIONS)
    stripping = _cumulative(stats, STRIP_FUNCTIONS)
    tls = _cumulative(stats, TLS_SETUP)
    own = max(0.0, jobs - http - database - stripping)
    rows = []
    for label, seconds in (
        ("waiting on the platforms' HTTP (every call)", http),
        ("… of which Bluesky sign-in (createSession, getSession)", sign_in),
        ("database queries and commits (claims, deliveries, audit chain)", database),
        ("image stripping", stripping),
        ("Postguard's own Python (state machine, approvals, audit, connectors, SDKs)", own),
        ("… of which TLS set-up for new HTTP clients (loading the CA bundle)", tls),
    ):
        share = seconds / jobs if jobs else 0.0
        rows.append(f"| {label} | {seconds:.2f} s | {share:.0%} |")
    parts = {"jobs": jobs, "http": http, "sign_in": sign_in, "database": database, "own": own}
    return rows, {**parts, "tls": tls}


# --- the section --------------------------------------------------------------------------------


def conclusion(parts: dict[str, float], deliveries: int, bursts: list[Burst]) -> str:
    """What the profile says limits the throughput, in words drawn from the numbers."""
    jobs = parts["jobs"] or 1.0
    http, own = parts["http"] / jobs, parts["own"] / jobs
    if http >= 0.6:
        verdict = "the platforms, not Postguard, limit a worker's throughput"
    elif http >= 0.4:
        verdict = "the wait on the platforms and Postguard's own work weigh about the same"
    else:
        verdict = "Postguard's own work, more than the platforms, limits a worker's throughput"
    text = (
        f"A publish job took {jobs / max(deliveries, 1):.2f} s per post in the profiled worker: "
        f"{http:.0%} waiting on the platforms ({parts['sign_in'] / jobs:.0%} of the job "
        f"signing in to Bluesky), {parts['database'] / jobs:.0%} in the database, {own:.0%} in "
        f"Python ({parts['tls'] / jobs:.0%} setting up TLS for new HTTP clients). So {verdict}."
    )
    setup = (parts["sign_in"] + parts["tls"]) / jobs
    if setup >= 0.2:
        # What a job would take with one signed-in session and one HTTP client per account
        # and worker: without the per-delivery sign-in and TLS set-up.
        lean = (jobs - parts["sign_in"] - parts["tls"]) / max(deliveries, 1)
        text += (
            f" Signing in and setting up a client for every delivery is {setup:.0%} of it: one "
            f"session and one client per account and worker would bring a job to about "
            f"{lean:.2f} s."
        )
    scaling = bursts[-1].per_second / bursts[0].per_second if bursts[0].per_second else 0.0
    return text + (
        f" Four workers publish {scaling:.1f}x as fast as one here: the platform servers run on "
        "the same two cores as the workers, and SQLite lets one process write at a time, so "
        "more workers mostly wait for each other. The "
        "embedded worker polls the job table every second, so a post due now waits up to a "
        "second before a worker sees it."
    )


def provenance() -> str:
    """The commit measured, and whether the source tree had uncommitted changes."""
    root = Path(__file__).resolve().parents[1]

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
        return done.stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "?"
    changed = [line[3:] for line in git("status", "--porcelain", "--", "src").splitlines()]
    if not changed:
        return f"Measured at commit {commit}."
    return (
        f"Measured at commit {commit} plus uncommitted changes to {len(changed)} file(s) under "
        f"src/ ({', '.join(sorted(changed)[:6])}{', ...' if len(changed) > 6 else ''})."
    )


def measure(quick: bool = False) -> Section:
    # Sized so that one full run stays within about five minutes on two busy cores.
    burst_posts = 12 if quick else 30
    paced_posts = 12 if quick else 30
    profile_posts = 10 if quick else 20
    load_before = os.getloadavg()
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="postguard-bench-publishing-") as folder:
        work = Path(folder)
        bench = Bench(work)
        try:
            bursts = [bench.burst(burst_posts, workers) for workers in WORKER_COUNTS]
            capacity = next(b.per_second for b in bursts if b.workers == 2)
            rate = max(0.1, min(0.5, capacity / 2))  # a post every 2 s, or slower
            paced = bench.paced(paced_posts, rate, 2)
            profile_path = work / "worker.prof"
            profiled = bench.burst(profile_posts, 1, profile=profile_path)
            table, parts = profile_table(profile_path)
        finally:
            bench.close()
    load_after = os.getloadavg()
    minutes = (time.monotonic() - began) / 60
    p50, p99 = percentile(paced, 0.5), percentile(paced, 0.99)
    met = p99 <= FLOOR_P99_LATENESS
    lines = [
        "### Publishing",
        "",
        f"`python -m benchmarks.publishing` on this machine ({os.cpu_count()} cores; load "
        f"average {load_before[0]:.1f} before, {load_after[0]:.1f} after; {minutes:.1f} min). "
        "Embedded workers (`postguard worker` processes) on one SQLite database, publishing to "
        "2 accounts on the reference Bluesky PDS and 2 on mastodon-mock (a stand-in for "
        "Mastodon), all on loopback. Every post was drafted, vetted, approved by a second "
        "person and scheduled through the services first; no images. " + provenance(),
        "",
        "| workers | posts due at once | publishing took | posts/s | lateness p50 | p99 |",
        "|---|---|---|---|---|---|",
    ]
    for burst in bursts:
        lines.append(
            f"| {burst.workers} | {burst.deliveries} | {burst.seconds:.1f} s | "
            f"{burst.per_second:.2f} | {percentile(burst.lateness, 0.5):.1f} s | "
            f"{percentile(burst.lateness, 0.99):.1f} s |"
        )
    lines += [
        "",
        "A burst's lateness is mostly queueing: the last post of the burst waits for all the "
        "others. On time, posts fall due one by one:",
        "",
        "| workers | posts, due at a steady rate | rate | lateness p50 | p99 | floor |",
        "|---|---|---|---|---|---|",
        f"| 2 | {len(paced)} | {rate:.2f}/s (at most half the capacity) | {p50:.2f} s | "
        f"{p99:.2f} s | p99 ≤ {FLOOR_P99_LATENESS:.0f} s: {'met' if met else '**not met**'} |",
        "",
        f"Where one worker's time goes (cProfile of its publish jobs only, "
        f"{profiled.deliveries} posts in one burst, {parts['jobs']:.1f} s; the SDKs imported "
        "beforehand as in a long-running worker; cProfile slows Python, so the Python share "
        "is an upper bound):",
        "",
        "| part of a publish job | time | share |",
        "|---|---|---|",
        *table,
        "",
        conclusion(parts, profiled.deliveries, bursts),
    ]
    floors = [
        Floor(
            "publishing lateness p99 (2 workers, steady rate)",
            f"{p99:.2f} s",
            f"≤ {FLOOR_P99_LATENESS:.0f} s",
            met,
        )
    ]
    return Section("publishing", "\n".join(lines), floors)


def run() -> Section:
    """The hook `python -m benchmarks` calls."""
    return measure()


def write_readme(markdown: str) -> None:
    """Replace only the text between this benchmark's markers."""
    block = f"{BEGIN}\n{markdown.strip()}\n{END}"
    current = README.read_text(encoding="utf-8") if README.exists() else "# Benchmarks\n"
    if BEGIN in current and END in current:
        head, _, rest = current.partition(BEGIN)
        _, _, tail = rest.partition(END)
        updated = f"{head}{block}{tail}"
    else:
        updated = current.rstrip("\n") + "\n\n## 4. Publishing\n\n" + block + "\n"
    README.write_text(updated, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.publishing")
    parser.add_argument("--quick", action="store_true", help="fewer posts; print, do not write")
    args = parser.parse_args(argv)
    section = measure(quick=args.quick)
    print(section.markdown)
    if not args.quick:
        write_readme(section.markdown)
        print(f"\nwrote {README}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

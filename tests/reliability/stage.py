"""Stage a reliability run: people, connected accounts and scheduled posts, through the services.

Run in its own process against the run's database (the workers' database, not pytest-django's):

    python -m tests.reliability.stage setup SPEC.json ACCOUNTS.json
    python -m tests.reliability.stage posts SPEC.json ACCOUNTS.json PART PARTS POSTS.json

`setup` creates the cast and connects the accounts; `posts` (run as PARTS processes side by
side, PART 0..PARTS-1) schedules every PARTS-th post. SPEC names the platform accounts (with
the credentials the test created on the local servers) and how many posts to schedule in
which window. Every post goes the way a person's post goes:
created by an editor, submitted, vetted by the vetting job (run here, in this process, before
any worker starts), approved by a second person (a lead), and scheduled with `schedule()`, so
its publish job exists exactly as in production. Only the speed-up is different: the whole
cast acts from this one process instead of from browsers.

POSTS lists each post's id, marker (a string no other post contains), targets and due time.
Credentials are read from SPEC and handed to `connect()`; they are never written elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Any


def _request(user: Any) -> Any:
    """A request from `user` on an enrolled device (approving and scheduling need one)."""
    from django.test import RequestFactory

    request = RequestFactory().post("/", HTTP_USER_AGENT="reliability stage")
    request.user = user
    request.device = "reliability test device"  # type: ignore[attr-defined]  # DeviceMiddleware's
    return request


def marker(run: str, index: int) -> str:
    """The text that identifies post `index` of run `run` on the platforms."""
    return f"Reliability run {run} notice {index:04d}"


def post_text(run: str, index: int) -> str:
    return f"{marker(run, index)}: the library opens at 9 on Saturday. Come and see the new room!"


BATCH = 25


def _batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def setup(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The cast, the run's platform accounts (eddie edits them all) and their connections."""
    from django.db import transaction

    from postguard.connectors.credentials import Secret
    from postguard.publishing.connections import connect
    from postguard.registry.models import Grant, Person, PlatformAccount
    from tests.cast import build_cast

    with transaction.atomic():
        cast = build_cast()
    accounts: list[dict[str, Any]] = []
    for number, remote in enumerate(spec["accounts"]):
        account = PlatformAccount.objects.create(
            platform=remote["platform"],
            handle=remote["handle"],
            login_email=f"reliability{number}@example.gov",
            mfa_method=PlatformAccount.Mfa.APP,
        )
        Grant.objects.create(
            person=Person.objects.get(user=cast.eddie),
            role="editor",
            account=account,
            reason="reliability run",
            granted_by_name="test setup",
        )
        connect(
            account,
            service_url=remote["service_url"],
            login=remote["login"],
            secret=Secret(remote["secret"]),
            actor=cast.sam,
            request=_request(cast.sam),
        )
        accounts.append({"id": account.pk, **{k: v for k, v in remote.items() if k != "secret"}})
    return accounts


def plan(spec: dict[str, Any], accounts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every post of the run: its marker, its targets (one account, every n-th a second) and
    when it falls due (spread evenly over the window)."""
    count = int(spec["posts"])
    start = float(spec["window_start"])
    window = float(spec["window_seconds"])
    every = int(spec.get("second_target_every", 0))
    posts = []
    for index in range(count):
        targets = [accounts[index % len(accounts)]["id"]]
        if every and index % every == every - 1 and len(accounts) > 1:
            # A second target, never the first one, spread over the other accounts.
            step = 1 + (index // every) % (len(accounts) - 1)
            targets.append(accounts[(index + step) % len(accounts)]["id"])
        posts.append(
            {
                "index": index,
                "marker": marker(str(spec["run"]), index),
                "targets": sorted(targets),
                "not_before": start + window * index / max(count - 1, 1),
            }
        )
    return posts


def schedule_posts(spec: dict[str, Any], posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Draft (eddie), submit, vet, approve (lola, a second person) and schedule every post."""
    from django.db import transaction

    from postguard.core.models import User
    from postguard.jobs import runner
    from postguard.jobs.models import Job
    from postguard.workflow import services
    from postguard.workflow.models import Post, State

    eddie, lola = User.objects.get(username="eddie"), User.objects.get(username="lola")
    run = str(spec["run"])
    # Many posts per transaction: the same service calls, far fewer commits (staging speed
    # only; the workers commit as they always do).
    vet_jobs: list[int] = []
    for batch in _batches(posts, BATCH):
        with transaction.atomic():
            for entry in batch:
                not_before = dt.datetime.fromtimestamp(entry["not_before"], tz=dt.UTC)
                content = services.Content(
                    text=post_text(run, entry["index"]),
                    account_ids=entry["targets"],
                    not_before=not_before,
                    not_after=not_before + dt.timedelta(hours=1),
                )
                post = services.create_post(eddie, content)
                services.submit(post, eddie, request=_request(eddie))
                entry["post"] = post.pk
                assert post.current_version is not None
                vet_jobs.extend(
                    Job.objects.filter(
                        name="workflow.vet", object_id=str(post.current_version.pk)
                    ).values_list("id", flat=True)
                )
    # The vetting jobs, run here as a worker would run them (no worker runs yet).
    for job_ids in _batches(vet_jobs, BATCH):
        with transaction.atomic():
            for job_id in job_ids:
                runner.run(job_id, f"reliability-stage-{os.getpid()}")
    for batch in _batches(posts, BATCH):
        with transaction.atomic():
            for entry in batch:
                post = Post.objects.get(pk=entry["post"])
                if post.state != State.IN_REVIEW:
                    job = Job.objects.filter(name="workflow.vet").order_by("-id").first()
                    raise SystemExit(
                        f"stage: post {post.pk} ({entry['marker']}) is {post.state} after "
                        f"vetting, not in review (last vetting job error: "
                        f"{job.last_error if job else 'no job'!r})"
                    )
                services.approve(post, lola, request=_request(lola))
                services.schedule(post, eddie, request=_request(eddie))
                post.refresh_from_db()
                if post.state != State.SCHEDULED:
                    raise SystemExit(f"stage: post {post.pk} is {post.state} after schedule()")
    return posts


USAGE = """usage: python -m tests.reliability.stage setup SPEC.json ACCOUNTS.json
       python -m tests.reliability.stage posts SPEC.json ACCOUNTS.json PART PARTS POSTS.json"""


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"setup", "posts"}:
        print(USAGE, file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postguard.settings.site")
    import django

    django.setup()
    from django.test import override_settings

    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    accounts_path = Path(argv[2])
    # The cast signs in with passwords nobody types here: skip argon2's deliberate slowness.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        if argv[0] == "setup":
            accounts_path.write_text(json.dumps(setup(spec)), encoding="utf-8")
            return 0
        part, parts, out = int(argv[3]), int(argv[4]), Path(argv[5])
        accounts = json.loads(accounts_path.read_text(encoding="utf-8"))
        mine = plan(spec, accounts)[part::parts]
        out.write_text(json.dumps(schedule_posts(spec, mine)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The archive: every published post with the evidence of how it got out (versions and their
diffs, approvals, overrides, the vetting verdict, each delivery and the digests), searched and
exported as JSON or CSV. The web page, the API and `postguard archive-export` all read it here,
through `.restrict(user, "archive.view")`, so they see the same rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from postguard.publishing.models import Delivery
from postguard.registry.models import PlatformAccount
from postguard.workflow.digest import DigestImage, content_digest
from postguard.workflow.models import Approval, Override, Post, PostVersion, State, VettingResult

if TYPE_CHECKING:
    from django.http import HttpRequest

FORMATS: Final = ("json", "csv")
FILTER_NAMES: Final = ("q", "account", "platform", "author", "since", "until", "state")
# The states a post can be in once something of it went out (a post published on one account
# and failed on another ends failed; one whose outcome is unknown on one, unconfirmed).
ARCHIVE_STATES: Final = (State.PUBLISHED, State.PUBLISHING, State.UNCONFIRMED, State.FAILED)
MAX_QUERY: Final = 200
CHUNK: Final = 100
# A spreadsheet treats a cell starting with one of these as a formula (=HYPERLINK(...), +1+cmd|...).
FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS: Final = (
    "post_id",
    "post_state",
    "author",
    "text",
    "version",
    "approved_digest",
    "published_digest",
    "digests_match",
    "approvers",
    "overrides",
    "verdict",
    "delivery_id",
    "account_id",
    "account",
    "platform",
    "delivery_state",
    "remote_id",
    "url",
    "published_at",
    "attempts",
    "last_error",
)


class ArchiveFilterError(ValueError):
    """One or more filters were wrong; `problems` holds (filter name, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems))


@dataclass(frozen=True, slots=True)
class Filters:
    """What to look for. Dates are days in the site's time zone, both ends included."""

    q: str = ""
    account: int | None = None
    platform: str = ""
    author: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    state: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The filters as given (for the audit entry, the JSON export, and page links)."""
        return {
            name: (value.isoformat() if isinstance(value, dt.date) else value)
            for name, value in asdict(self).items()
            if value not in (None, "")
        }


def parse_filters(params: Mapping[str, Any]) -> Filters:
    """Filters from a query string or command options; raises ArchiveFilterError naming each bad
    one and what it accepts."""
    problems: list[tuple[str, str]] = []

    def text(name: str) -> str:
        value = params.get(name)
        return "" if value is None else str(value).strip()

    q = text("q")
    if len(q) > MAX_QUERY:
        problems.append(("q", f"{len(q)} characters; search for at most {MAX_QUERY}"))
    account: int | None = None
    if text("account"):
        if text("account").isdigit():
            account = int(text("account"))
        else:
            problems.append(
                ("account", f"{text('account')!r} is not an account id; give a number such as 3")
            )
    platform = text("platform").lower()
    if platform and platform not in PlatformAccount.Platform.values:
        problems.append(
            (
                "platform",
                f"{text('platform')!r} is not a platform; use one of "
                + ", ".join(PlatformAccount.Platform.values),
            )
        )
    since = _day(text("since"), "since", problems)
    until = _day(text("until"), "until", problems)
    if since and until and until < since:
        problems.append(
            ("until", f"{until.isoformat()} is before since ({since.isoformat()}); swap them")
        )
    state = text("state").lower()
    allowed = [s.value for s in ARCHIVE_STATES]
    if state and state not in allowed:
        problems.append(
            ("state", f"{text('state')!r} is not a state; use one of " + ", ".join(allowed))
        )
    if problems:
        raise ArchiveFilterError(problems)
    return Filters(
        q=q,
        account=account,
        platform=platform,
        author=text("author"),
        since=since,
        until=until,
        state=state,
    )


def _day(value: str, name: str, problems: list[tuple[str, str]]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append((name, f"{value!r} is not a date; use YYYY-MM-DD, such as 2026-11-28"))
        return None


def site_zone() -> ZoneInfo:
    return ZoneInfo(str(settings.TIME_ZONE))


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the site's time zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=site_zone())


# --- queries ------------------------------------------------------------------------------------


def visible_deliveries(user: Any, *, request: HttpRequest | None = None) -> QuerySet[Delivery]:
    """The deliveries `user` may see in the archive: those on the accounts their roles cover."""
    return Delivery.objects.restrict(user, "archive.view", request=request)


def search(
    user: Any, filters: Filters | None = None, *, request: HttpRequest | None = None
) -> QuerySet[Post]:
    """Archived posts `user` may see that match `filters`, most recently published first.

    A post is archived once one of its deliveries is published; a per-account role sees a post
    only through a published delivery on one of its accounts.
    """
    filters = filters or Filters()
    published = visible_deliveries(user, request=request).filter(
        post=OuterRef("pk"), state=Delivery.State.PUBLISHED
    )
    matching = published
    if filters.account is not None:
        matching = matching.filter(account_id=filters.account)
    if filters.platform:
        matching = matching.filter(account__platform=filters.platform)
    if filters.since is not None:
        matching = matching.filter(published_at__gte=day_start(filters.since))
    if filters.until is not None:
        matching = matching.filter(published_at__lt=day_start(filters.until + dt.timedelta(days=1)))
    if filters.q:
        matching = matching.filter(version__text__icontains=filters.q)
    posts = (
        Post.objects.restrict(user, "archive.view", request=request)
        .filter(Exists(matching))
        .annotate(
            last_published_at=Subquery(
                published.values("post").annotate(last=Max("published_at")).values("last")[:1]
            )
        )
    )
    if filters.author:
        posts = posts.filter(
            Q(author_name__icontains=filters.author) | Q(author__email__iexact=filters.author)
        )
    if filters.state:
        posts = posts.filter(state=filters.state)
    return posts.order_by(F("last_published_at").desc(nulls_last=True), "-pk")


def with_evidence(
    posts: QuerySet[Post], user: Any, *, request: HttpRequest | None = None
) -> QuerySet[Post]:
    """`posts` with everything the archive shows fetched in a few queries per page or chunk."""
    deliveries = (
        visible_deliveries(user, request=request)
        .select_related("account", "version")
        .order_by("account__platform", "account__handle", "pk")
    )
    return posts.select_related("current_version").prefetch_related(
        Prefetch("versions", queryset=PostVersion.objects.order_by("number")),
        Prefetch("versions__images"),
        Prefetch(
            "versions__vettings",
            queryset=VettingResult.objects.order_by("-created_at", "-id"),
        ),
        Prefetch(
            "approvals",
            queryset=Approval.objects.select_related("version").order_by("created_at", "id"),
        ),
        Prefetch(
            "overrides",
            queryset=Override.objects.select_related("version").order_by("created_at", "id"),
        ),
        Prefetch("deliveries", queryset=deliveries, to_attr="archive_deliveries"),
    )


# --- the record of one post ---------------------------------------------------------------------


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def recomputed_digest(version: PostVersion) -> str:
    """The digest of the version as stored now: equal to the approved one unless it was changed."""
    return content_digest(
        text=version.text,
        images=[DigestImage(image.sha256, image.alt) for image in version.images.all()],
        account_ids=version.account_ids,
        not_before=version.not_before,
        not_after=version.not_after,
    )


def published_version(post: Post) -> PostVersion | None:
    """The version the deliveries carried out (the approved one)."""
    deliveries: list[Delivery] = getattr(post, "archive_deliveries", None) or list(
        post.deliveries.select_related("version")
    )
    sent = [d for d in deliveries if d.state == Delivery.State.PUBLISHED] or deliveries
    if not sent:
        return None
    number = max(d.version.number for d in sent)
    return next(v for v in post.versions.all() if v.number == number)


@dataclass(frozen=True, slots=True)
class DigestCheck:
    """What the approvers of one version signed, against that version's content hashed again."""

    approved: str | None
    published: str
    match: bool
    approvers: list[str]


def digest_check(version: PostVersion, approvals: Iterable[Approval]) -> DigestCheck:
    """The approvals still standing on `version` (or, once an edit voided them after the version
    went out, the voided ones: they were standing when it was published) against the digest
    recomputed from the stored content; a version changed after approval does not match."""
    of_version = [a for a in approvals if a.version_id == version.pk]
    standing = [a for a in of_version if a.voided_at is None] or of_version
    published = recomputed_digest(version)
    return DigestCheck(
        approved=standing[0].digest if standing else None,
        published=published,
        match=bool(standing) and all(a.digest == published for a in standing),
        approvers=[f"{a.approver_name} ({a.step}, {a.role})" for a in standing],
    )


def record_of(post: Post) -> dict[str, Any]:
    """Everything the archive holds about one post, as plain JSON-ready data.

    Call it on posts from `with_evidence()`: the deliveries are the ones the user may see.
    """
    versions = list(post.versions.all())
    by_id = {v.pk: v for v in versions}
    version = published_version(post)
    approvals = list(post.approvals.all())
    overrides = list(post.overrides.all())
    checks: dict[int, DigestCheck] = {}

    def check(of: PostVersion) -> DigestCheck:
        if of.pk not in checks:
            checks[of.pk] = digest_check(by_id.get(of.pk, of), approvals)
        return checks[of.pk]

    top = check(version) if version is not None else None
    deliveries: list[Delivery] = list(getattr(post, "archive_deliveries", []))
    sent = [d for d in deliveries if d.state == Delivery.State.PUBLISHED]
    vetting = next(iter(version.vettings.all()), None) if version is not None else None
    previous: PostVersion | None = None
    version_rows = []
    for each in versions:
        version_rows.append(
            {
                "number": each.number,
                "text": each.text,
                "digest": each.digest,
                "author": each.created_by_name,
                "created_at": _iso(each.created_at),
                "targets": list(each.account_ids),
                "not_before": _iso(each.not_before),
                "not_after": _iso(each.not_after),
                "images": [
                    {"sha256": i.sha256, "alt": i.alt, "name": i.name} for i in each.images.all()
                ],
                "diff": each.diff(previous),
            }
        )
        previous = each
    return {
        "id": post.pk,
        "state": post.state,
        "author": post.author_name,
        "created_at": _iso(post.created_at),
        "text": version.text if version is not None else "",
        "published_version": version.number if version is not None else None,
        "approved_digest": top.approved if top else None,
        "published_digest": top.published if top else None,
        # What every published delivery carried is what its approvers signed.
        "digests_match": top is not None
        and top.match
        and all(check(d.version).match for d in sent),
        "versions": version_rows,
        "approvals": [
            {
                "approver": a.approver_name,
                "step": a.step,
                "role": a.role,
                "version": a.version.number,
                "digest": a.digest,
                "created_at": _iso(a.created_at),
                "device": a.device,
                "voided": a.voided_at is not None,
                "voided_at": _iso(a.voided_at),
                "void_reason": a.void_reason,
            }
            for a in approvals
        ],
        "overrides": [
            {
                "rule": o.rule,
                "start": o.start,
                "end": o.end,
                "image": o.image,
                "reason": o.reason,
                "by": o.by_name,
                "version": o.version.number,
                "created_at": _iso(o.created_at),
            }
            for o in overrides
        ],
        "vetting": (
            {
                "version": version.number,
                "verdict": vetting.verdict,
                "findings": list(vetting.findings),
                "vetted_at": _iso(vetting.created_at),
            }
            if vetting is not None and version is not None
            else None
        ),
        "deliveries": [
            {
                "id": d.pk,
                "account_id": d.account_id,
                "account": d.account.handle,
                "platform": d.account.platform,
                "state": d.state,
                "version": d.version.number,
                "remote_id": d.remote_id,
                "url": d.url,
                "published_at": _iso(d.published_at),
                "attempts": d.attempts,
                "last_error": d.last_error,
                "approvers": check(d.version).approvers,
                "approved_digest": check(d.version).approved,
                "published_digest": check(d.version).published,
                "digests_match": check(d.version).match,
            }
            for d in deliveries
        ],
    }


# --- export -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Export:
    """A prepared export: counted (for the audit entry) before a single byte is streamed."""

    format: str
    filters: Filters
    posts: QuerySet[Post]
    post_count: int
    delivery_count: int
    exported_at: dt.datetime

    def filename(self) -> str:
        return f"postguard-archive-{self.exported_at.strftime('%Y%m%dT%H%M%SZ')}.{self.format}"

    def content_type(self) -> str:
        return "application/json" if self.format == "json" else "text/csv; charset=utf-8"

    def audit_details(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "filters": self.filters.as_dict(),
            "posts": self.post_count,
            "deliveries": self.delivery_count,
        }

    def chunks(self) -> Iterator[str]:
        return json_chunks(self) if self.format == "json" else csv_chunks(self)


def prepare_export(
    user: Any,
    filters: Filters,
    export_format: str,
    *,
    request: HttpRequest | None = None,
) -> Export:
    """Check the format and count what the export will hold. The caller checks "archive.export"
    and records the audit event (it knows the actor and the channel)."""
    if export_format not in FORMATS:
        raise ArchiveFilterError(
            [("format", f"{export_format!r} is not an export format; use json or csv")]
        )
    found = search(user, filters, request=request)
    return Export(
        format=export_format,
        filters=filters,
        posts=with_evidence(found, user, request=request),
        post_count=found.count(),
        delivery_count=visible_deliveries(user, request=request)
        .filter(post__in=found.order_by().values("pk"))
        .count(),
        exported_at=timezone.now().replace(microsecond=0),
    )


def _records(posts: QuerySet[Post]) -> Iterator[dict[str, Any]]:
    # iterator(chunk_size) with prefetching: memory holds one chunk of posts, however many match.
    for post in posts.iterator(chunk_size=CHUNK):
        yield record_of(post)


def json_chunks(export: Export) -> Iterator[str]:
    """One JSON document, written a post at a time."""
    head = {"exported_at": export.exported_at.isoformat(), "filters": export.filters.as_dict()}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "posts": ['
    for index, item in enumerate(_records(export.posts)):
        yield ("," if index else "") + "\n" + json.dumps(item, ensure_ascii=False)
    yield "\n]}\n"


def neutralise(value: Any) -> str:
    """A CSV cell a spreadsheet will not run: text starting with = + - @ tab or CR gets a leading
    apostrophe (the OWASP advice), so `=HYPERLINK(...)` shows as text."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_rows(item: Mapping[str, Any]) -> Iterable[list[str]]:
    """One row per delivery of an archived post, every cell neutralised."""
    overrides = "; ".join(
        f"{o['rule']} [{o['start']}:{o['end']}]: {o['reason']}" for o in item["overrides"]
    )
    verdict = item["vetting"]["verdict"] if item["vetting"] else ""
    texts = {version["number"]: version["text"] for version in item["versions"]}
    for delivery in item["deliveries"]:
        row = {
            "post_id": item["id"],
            "post_state": item["state"],
            "author": item["author"],
            "text": texts.get(delivery["version"], item["text"]),
            "version": delivery["version"],
            "approved_digest": delivery["approved_digest"],
            "published_digest": delivery["published_digest"],
            "digests_match": "yes" if delivery["digests_match"] else "no",
            "approvers": "; ".join(delivery["approvers"]),
            "overrides": overrides,
            "verdict": verdict,
            "delivery_id": delivery["id"],
            "account_id": delivery["account_id"],
            "account": delivery["account"],
            "platform": delivery["platform"],
            "delivery_state": delivery["state"],
            "remote_id": delivery["remote_id"],
            "url": delivery["url"],
            "published_at": delivery["published_at"],
            "attempts": delivery["attempts"],
            "last_error": delivery["last_error"],
        }
        yield [neutralise(row[column]) for column in CSV_COLUMNS]


def csv_chunks(export: Export) -> Iterator[str]:
    """The header, then the rows of each post as one chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield take()
    for item in _records(export.posts):
        writer.writerows(csv_rows(item))
        yield take()

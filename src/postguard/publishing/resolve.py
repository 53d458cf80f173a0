"""When Postguard cannot tell: a person settles an unconfirmed delivery by hand.

Reconciliation gives up after `outcomes.MAX_RECONCILES` checks and leaves the delivery
`unconfirmed` (no next check) and the post UNCONFIRMED: Postguard will not publish it again on
its own, because the platform might have it. A lead or security officer looks at the account
on the platform and says one of two things:

- "it is there" (`found=` the post's link or id on that account): Postguard reads the post
  through the connector (`fetch`), refuses a post of another account, a post that does not
  exist or one whose text is not this delivery's, and records the remote id, link and version
  the platform gave → delivery published. When the platform cannot be reached (a broken
  connection is a common reason for being unconfirmed), the person's word is recorded as not
  verified, and the integrity watch reads the post on its next round.
- "it is not there" (`not_there=True`): delivery failed with the person's note; the post then
  fails too (unless another delivery is still open), and can go back to draft and be approved
  and scheduled again: the existing FAILED → DRAFT path, publishing only where it failed.

Either way the outcome is written by `publishing.outcomes` (the one way outcomes are recorded,
so the post's state follows), under a claim on the delivery like any worker's, and the person's
decision is audited: who, the note, what they gave and what the platform said.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlsplit

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from postguard.audit.log import record
from postguard.connectors.base import ConnectorError, PublishResult, RemotePost
from postguard.connectors.registry import UnsupportedPlatformError
from postguard.core.actors import actor_name
from postguard.core.permissions import require
from postguard.publishing import outcomes
from postguard.publishing.connections import ConnectError, connector_for
from postguard.publishing.models import Connection, Delivery
from postguard.publishing.publisher import claim_seconds

if TYPE_CHECKING:
    from django.http import HttpRequest

D = Delivery.State

ACTION: Final = "publishing.resolve"
MAX_NOTE: Final = 2000
MAX_FOUND: Final = 1000
BLUESKY_POST: Final = "app.bsky.feed.post"

_AT_URI = re.compile(r"^at://([^/\s]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]+)$")
_BSKY_WEB = re.compile(r"^/profile/([^/\s]+)/post/([A-Za-z0-9._:~-]+)/?$")
_MASTODON_ID = re.compile(r"^[0-9]{1,30}$")
# /@user/ID, /@user@server/ID, /users/user/statuses/ID, /web/@user/ID, /web/statuses/ID
_MASTODON_WEB = (
    re.compile(r"^(?:/web)?/@([^/\s]+)/([0-9]{1,30})/?$"),
    re.compile(r"^/users/([^/\s]+)/statuses/([0-9]{1,30})/?$"),
    re.compile(r"^/web/statuses/()([0-9]{1,30})/?$"),
)


class ResolveError(ValueError):
    """The resolution was refused; the message starts with the field it blames ("found: ...",
    "note: ...", "delivery: ...") and says what would be accepted."""


@dataclass(frozen=True, slots=True)
class Resolution:
    delivery: Delivery
    verified: bool  # the platform itself showed the post (found), or nothing to verify
    message: str  # what happened and what comes next, for the person


@dataclass(frozen=True, slots=True)
class _Target:
    """What the person's link or id names: the platform's id for the post, and a link."""

    remote_id: str
    url: str


def resolvable(delivery: Delivery) -> bool:
    """An unconfirmed delivery Postguard stopped checking: only a person can settle it."""
    return delivery.state == D.UNCONFIRMED and delivery.next_attempt_at is None


def resolve(
    actor: Any,
    delivery: Delivery,
    *,
    found: str | None = None,
    not_there: bool = False,
    note: str,
    request: HttpRequest | None = None,
) -> Resolution:
    """Settle an unconfirmed delivery Postguard gave up on, as a person who checked by hand.

    Raises PermissionDenied (who) and ResolveError (what was wrong with the answer).
    """
    require(actor, ACTION, delivery, request=request)
    found = (found or "").strip()
    note = (note or "").strip()
    if bool(found) == bool(not_there):
        raise ResolveError(
            "found: say either that the post is there (give its link or id on "
            f"{delivery.account}) or that it is not there, not both and not neither"
        )
    if not note:
        raise ResolveError("note: say what you checked (where you looked, and when)")
    if len(note) > MAX_NOTE:
        raise ResolveError(f"note: {len(note)} characters; at most {MAX_NOTE}")
    if len(found) > MAX_FOUND:
        raise ResolveError(f"found: {len(found)} characters; a post link is at most {MAX_FOUND}")
    worker = _claim(delivery, actor)
    try:
        if not_there:
            return _not_there(delivery, worker, actor, note, request)
        return _found(delivery, worker, actor, found, note, request)
    finally:
        # Whatever happened, this person's claim ends (outcomes already cleared it on success).
        Delivery.objects.filter(pk=delivery.pk, claimed_by=worker).update(
            claimed_by="", claimed_until=None
        )


def _claim(delivery: Delivery, actor: Any) -> str:
    """Hold the delivery like a worker does, so no one else settles it at the same moment."""
    worker = f"resolve:{uuid.uuid4().hex[:12]}:{actor_name(actor)}"[:200]
    now = timezone.now()
    won = (
        Delivery.objects.filter(pk=delivery.pk, state=D.UNCONFIRMED, next_attempt_at__isnull=True)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_by=worker, claimed_until=now + dt.timedelta(seconds=claim_seconds()))
    )
    delivery.refresh_from_db()
    if won:
        return worker
    if delivery.state == D.UNCONFIRMED and delivery.next_attempt_at is not None:
        raise ResolveError(
            f"delivery: Postguard is still checking {delivery.account} for this post (next check "
            f"{outcomes.when(delivery.next_attempt_at)}); it can be resolved by hand once "
            "Postguard stops checking"
        )
    if delivery.state == D.UNCONFIRMED:
        raise ResolveError(
            "delivery: someone else is resolving it right now; reload the post to see the outcome"
        )
    raise ResolveError(
        f"delivery: it is {delivery.get_state_display()}, not unconfirmed: there is nothing to "
        "resolve (only a delivery Postguard could not confirm can be resolved by hand)"
    )


def _not_there(
    delivery: Delivery, worker: str, actor: Any, note: str, request: HttpRequest | None
) -> Resolution:
    who = actor_name(actor)
    reason = (
        f"not published: {who} checked {delivery.account} by hand and the post is not there "
        f"({note})"
    )
    with transaction.atomic():
        _audit(
            delivery,
            actor,
            request,
            note=note,
            answer="not there",
            given="",
            verified=False,
            verification="nothing to verify: the person says the post is not on the platform",
        )
        if not outcomes.failed(delivery, worker, reason):
            raise ResolveError("delivery: someone else settled it meanwhile; reload the post")
    delivery.refresh_from_db()
    return Resolution(
        delivery=delivery,
        verified=False,
        message=(
            f"Recorded: not on {delivery.account}; the delivery failed with your note. The post "
            "can go back to draft (edit it), be approved and scheduled again; it then publishes "
            "only where it is not yet published."
        ),
    )


def _found(
    delivery: Delivery,
    worker: str,
    actor: Any,
    given: str,
    note: str,
    request: HttpRequest | None,
) -> Resolution:
    account = delivery.account
    connection = Connection.objects.filter(account=account).first()
    target = _target(delivery, connection, given)
    taken = (
        Delivery.objects.filter(account=account, remote_id=target.remote_id)
        .exclude(pk=delivery.pk)
        .first()
    )
    if taken is not None:
        raise ResolveError(
            f"found: {given} is already recorded as post {taken.post_id}'s delivery on "
            f"{account}; give the link of this post ({delivery.post_id})"
        )
    remote, unverified = _read(delivery, connection, target, given)
    if remote is not None:
        result = PublishResult(
            remote_id=remote.remote_id,
            url=remote.url,
            created_at=remote.created_at,
            version=remote.version,
        )
        verification = (
            f"{account.platform} showed the post: {remote.remote_id}, posted "
            f"{outcomes.when(remote.created_at)} by {remote.author or 'this account'}, with "
            "this delivery's text"
        )
    else:
        result = PublishResult(
            remote_id=target.remote_id, url=target.url, created_at=timezone.now(), version=""
        )
        verification = f"not verified: {unverified}"
    with transaction.atomic():
        _audit(
            delivery,
            actor,
            request,
            note=note,
            answer="found",
            given=given,
            verified=remote is not None,
            verification=verification,
            result=result,
        )
        if not outcomes.published(delivery, worker, result, found=True):
            raise ResolveError("delivery: someone else settled it meanwhile; reload the post")
    delivery.refresh_from_db()
    if remote is not None:
        message = f"Recorded: published on {account} at {result.url or result.remote_id}."
    else:
        message = (
            f"Recorded as published on {account} on your word: {unverified}. The integrity "
            "watch reads the post on its next round and raises an alert if it is not there."
        )
    return Resolution(delivery=delivery, verified=remote is not None, message=message)


def _read(
    delivery: Delivery, connection: Connection | None, target: _Target, given: str
) -> tuple[RemotePost | None, str]:
    """The post as the platform shows it; or None and why it could not be asked.

    ResolveError when the platform answered and the answer rules the post out.
    """
    account = delivery.account
    try:
        connector = connector_for(account)
    except (ConnectError, UnsupportedPlatformError) as error:
        return None, f"Postguard cannot reach {account} ({error})"
    with connector:
        try:
            remote = connector.fetch(target.remote_id)
        except ConnectorError as error:
            return None, f"reading the post on {account.platform} failed ({error})"
    if remote is None:
        raise ResolveError(
            f"found: {account.platform} says there is no post {target.remote_id} ({given}): it "
            "was deleted or the link is wrong; check the link, or resolve it as not there"
        )
    expected = connection.remote_id if connection is not None else ""
    if remote.author and expected and remote.author != expected:
        handle = f"@{connection.remote_handle}" if connection and connection.remote_handle else ""
        raise ResolveError(
            f"found: {given} was posted by another account ({remote.author}), not by "
            f"{account} {handle}; give the link of the post on {account}"
        )
    if _normalized(remote.text) != _normalized(delivery.version.text):
        raise ResolveError(
            f"found: the post at {given} reads {_short(remote.text)!r}, not this delivery's "
            f"approved text {_short(delivery.version.text)!r}; give the link of this post"
        )
    return remote, ""


def _target(delivery: Delivery, connection: Connection | None, given: str) -> _Target:
    platform = delivery.account.platform
    if platform == "bluesky":
        return _bluesky_target(delivery, connection, given)
    if platform == "mastodon":
        return _mastodon_target(delivery, connection, given)
    raise ResolveError(
        f"found: Postguard cannot read posts on {platform!r}; resolve it as not there, or "
        "ask the team lead"
    )


def _bluesky_target(delivery: Delivery, connection: Connection | None, given: str) -> _Target:
    account = delivery.account
    at = _AT_URI.match(given)
    web = None
    if at is None and given.lower().startswith(("https://", "http://")):
        web = _BSKY_WEB.match(urlsplit(given).path) or _AT_URI.match(_record_link(given))
    match = at or web
    if match is None:
        raise ResolveError(
            f"found: {given!r} is not a Bluesky post link or id; give the post's link "
            "(https://bsky.app/profile/<handle>/post/<id>) or its at:// URI"
        )
    author, rkey = match.group(1), match.group(2)
    did = connection.remote_id if connection is not None else ""
    names = {did.lower()} if did else set()
    for name in (
        connection.remote_handle if connection else "",
        connection.login if connection else "",
        account.handle,
    ):
        if name:
            names.add(name.lstrip("@").lower())
    if author.lower() not in names:
        raise ResolveError(
            f"found: {given} is a post of {author}, not of {account} "
            f"({', '.join(sorted(names)) or 'not connected'}); give the link of the post on "
            f"{account}"
        )
    repo = did or author
    remote_id = f"at://{repo}/{BLUESKY_POST}/{rkey}"
    url = given if web is not None else f"https://bsky.app/profile/{repo}/post/{rkey}"
    return _Target(remote_id=remote_id, url=url)


def _record_link(given: str) -> str:
    """The at:// URI a PDS's record link names (the link Postguard gives for a post on a PDS
    without a web app: /xrpc/com.atproto.repo.getRecord?repo=...&collection=...&rkey=...)."""
    parts = urlsplit(given)
    if not parts.path.endswith("/xrpc/com.atproto.repo.getRecord"):
        return ""
    query = {name: values[0] for name, values in parse_qs(parts.query).items()}
    return f"at://{query.get('repo', '')}/{query.get('collection', '')}/{query.get('rkey', '')}"


def _mastodon_target(delivery: Delivery, connection: Connection | None, given: str) -> _Target:
    account = delivery.account
    if _MASTODON_ID.match(given):
        return _Target(remote_id=given, url="")
    parts = urlsplit(given)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ResolveError(
            f"found: {given!r} is not a Mastodon post link or id; give the post's link "
            "(https://<server>/@<user>/<id>) or its numeric id"
        )
    server = urlsplit(connection.service_url).hostname if connection else None
    if server and parts.hostname.lower() != server.lower():
        raise ResolveError(
            f"found: {given} is on {parts.hostname}, but {account} is on {server}; give the "
            f"post's link on {server} (or its numeric id there)"
        )
    for pattern in _MASTODON_WEB:
        match = pattern.match(parts.path)
        if match is None:
            continue
        user, status_id = match.group(1), match.group(2)
        mine = {
            name.lstrip("@").split("@")[0].lower()
            for name in (connection.remote_handle if connection else "", account.handle)
            if name
        }
        if user and "@" in user:
            raise ResolveError(
                f"found: {given} is a post of {user} on another server, not of {account}; "
                "give the link of the post on its own server"
            )
        if user and mine and user.lower() not in mine:
            raise ResolveError(
                f"found: {given} is a post of @{user}, not of {account} "
                f"(@{', @'.join(sorted(mine))}); give the link of the post on {account}"
            )
        return _Target(remote_id=status_id, url=given)
    raise ResolveError(
        f"found: {given!r} is not a link to one Mastodon post; give the post's link "
        "(https://<server>/@<user>/<id>) or its numeric id"
    )


def _audit(
    delivery: Delivery,
    actor: Any,
    request: HttpRequest | None,
    *,
    note: str,
    answer: str,
    given: str,
    verified: bool,
    verification: str,
    result: PublishResult | None = None,
) -> None:
    after: dict[str, Any] = {
        "delivery": delivery.pk,
        "account": str(delivery.account),
        "answer": answer,
        "note": note,
        "given": given,
        "verified": verified,
        "verification": verification,
    }
    if result is not None:
        after.update(remote_id=result.remote_id, url=result.url, version=result.version)
    record(
        "publishing.delivery.resolve",
        actor=actor,
        obj=delivery.post,
        request=request,
        before={
            "delivery": delivery.pk,
            "state": delivery.state,
            "attempts": delivery.attempts,
            "last_error": delivery.last_error,
        },
        after=after,
    )


def _normalized(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

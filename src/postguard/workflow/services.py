"""What people do to posts: create, edit, submit, comment, override, approve, request changes,
withdraw, schedule. Each checks `can()` (through the state machine) and the policy, and records
an audit event; every change of state goes through `machine.transition`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from postguard.audit.log import record
from postguard.core.actors import SYSTEM, actor_name
from postguard.core.permissions import ORGANIZATION_WIDE, held_roles
from postguard.policy.schema import ApprovalStep, Policy
from postguard.policy.versions import active_policy
from postguard.workflow.digest import DigestImage, content_digest
from postguard.workflow.machine import (
    EDITABLE,
    WorkflowError,
    allowed,
    post_targets,
    require_allowed,
    transition,
)
from postguard.workflow.models import (
    Approval,
    Comment,
    Override,
    Post,
    PostImage,
    PostVersion,
    State,
    VettingResult,
)

if TYPE_CHECKING:
    from django.http import HttpRequest

MAX_TEXT: Final = 50_000
MIN_OVERRIDE_REASON: Final = 10
MAX_COMMENT: Final = 10_000


@dataclass(frozen=True, slots=True)
class ImageUpload:
    """An image for a new version: new bytes, or the sha256 of one already stored for the post."""

    alt: str = ""
    name: str = ""
    data: bytes | None = None
    sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Content:
    text: str
    account_ids: Sequence[int]
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    images: Sequence[ImageUpload] = ()


def _policy() -> Policy:
    policy = active_policy()
    if policy is None:
        raise WorkflowError("no policy is active yet; a lead must approve one first")
    return policy


# --- content ------------------------------------------------------------------------------------


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def store_image(data: bytes) -> tuple[str, str]:
    """Store bytes content-addressed under MEDIA_ROOT; (sha256, path relative to MEDIA_ROOT)."""
    sha = hashlib.sha256(data).hexdigest()
    relative = f"posts/{sha[:2]}/{sha}"
    target = media_root() / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return sha, relative


def _validate(content: Content) -> None:
    problems = []
    if not content.text.strip() and not content.images:
        problems.append("text: the post is empty; write something or add an image")
    if len(content.text) > MAX_TEXT:
        problems.append(f"text: {len(content.text)} characters; at most {MAX_TEXT}")
    if not content.account_ids:
        problems.append("targets: choose at least one platform account to post to")
    if content.not_before and content.not_after and content.not_after <= content.not_before:
        problems.append(
            "window: 'not after' must be later than 'not before' "
            f"({content.not_after.isoformat()} is not after {content.not_before.isoformat()})"
        )
    for index, image in enumerate(content.images, start=1):
        if image.data is None and image.sha256 is None:
            problems.append(f"image {index}: no file")
        if image.data is not None and len(image.data) > int(settings.MAX_UPLOAD_BYTES):
            problems.append(
                f"image {index}: {len(image.data)} bytes; at most {settings.MAX_UPLOAD_BYTES}"
            )
    if problems:
        raise WorkflowError("; ".join(problems))


def _new_version(
    post: Post, content: Content, user: Any, previous: PostVersion | None
) -> PostVersion:
    known = {}
    if previous is not None:
        known = {image.sha256: image for image in previous.images.all()}
    stored: list[tuple[str, str, int, ImageUpload]] = []
    for index, image in enumerate(content.images, start=1):
        if image.data is not None:
            sha, path = store_image(image.data)
            stored.append((sha, path, len(image.data), image))
        else:
            old = known.get(image.sha256 or "")
            if old is None:
                raise WorkflowError(
                    f"image {index}: {image.sha256} is not an image of this post; upload it"
                )
            stored.append((old.sha256, old.path, old.size, image))
    ids = sorted({int(i) for i in content.account_ids})
    digest = content_digest(
        text=content.text,
        images=[DigestImage(sha, upload.alt) for sha, _, _, upload in stored],
        account_ids=ids,
        not_before=content.not_before,
        not_after=content.not_after,
    )
    version = PostVersion.objects.create(
        post=post,
        number=(previous.number + 1) if previous else 1,
        text=content.text,
        account_ids=ids,
        not_before=content.not_before,
        not_after=content.not_after,
        digest=digest,
        created_by=user,
        created_by_name=actor_name(user),
    )
    for position, (sha, path, size, upload) in enumerate(stored):
        PostImage.objects.create(
            version=version,
            position=position,
            sha256=sha,
            alt=upload.alt,
            name=upload.name[:255],
            path=path,
            size=size,
        )
    post.targets.set(ids)
    post.not_before = content.not_before
    post.not_after = content.not_after
    post.current_version = version
    post.save(update_fields=["not_before", "not_after", "current_version"])
    return version


def create_post(user: Any, content: Content, *, request: HttpRequest | None = None) -> Post:
    ids = sorted({int(i) for i in content.account_ids})
    require_allowed(user, "post.draft", None, request=request, account_ids=ids)
    _validate(content)
    with transaction.atomic():
        post = Post.objects.create(author=user, author_name=actor_name(user))
        version = _new_version(post, content, user, None)
        record(
            "workflow.post.create",
            actor=user,
            obj=post,
            request=request,
            after={"state": post.state, "version": 1, "digest": version.digest, "targets": ids},
        )
    return post


def edit_post(
    post: Post, user: Any, content: Content, *, request: HttpRequest | None = None
) -> PostVersion:
    """A new version; every approval of the post is voided (audited) and the post is a draft."""
    ids = sorted({int(i) for i in content.account_ids})
    require_allowed(user, "post.draft", post, request=request)
    require_allowed(user, "post.draft", None, request=request, account_ids=ids)
    _validate(content)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state not in EDITABLE:
            raise WorkflowError(
                f"post {post.pk} is {State(locked.state).label}; it can no longer be edited"
            )
        previous = locked.current_version
        version = _new_version(locked, content, user, previous)
        _void_approvals(locked, user, f"the post was edited (version {version.number})", request)
        record(
            "workflow.post.edit",
            actor=user,
            obj=locked,
            request=request,
            before={
                "version": previous.number if previous else None,
                "digest": previous.digest if previous else None,
            },
            after={"version": version.number, "digest": version.digest, "targets": ids},
        )
    if locked.state != State.DRAFT:
        transition(post, State.DRAFT, actor=user, request=request, reason="edited")
    post.refresh_from_db()
    return version


def _void_approvals(post: Post, actor: Any, reason: str, request: HttpRequest | None) -> int:
    now = timezone.now()
    count = 0
    for approval in Approval.objects.filter(post=post, voided_at__isnull=True):
        approval.voided_at = now
        approval.void_reason = reason
        approval.save(update_fields=["voided_at", "void_reason"])
        record(
            "workflow.approval.void",
            actor=actor,
            actor_name=actor_name(actor) if actor is SYSTEM else None,
            obj=post,
            request=request,
            before={
                "approval": approval.pk,
                "approver": approval.approver_name,
                "digest": approval.digest,
            },
            after={"voided": True, "reason": reason},
        )
        count += 1
    return count


def submit(post: Post, user: Any, *, request: HttpRequest | None = None) -> Post:
    """draft → submitted, and the vetting job is queued (it runs after the commit)."""
    from postguard.jobs.runner import enqueue

    with transaction.atomic():
        transition(post, State.SUBMITTED, actor=user, request=request)
        assert post.current_version is not None
        enqueue("workflow.vet", post.current_version.pk)
    return post


def withdraw(
    post: Post, user: Any, reason: str = "", *, request: HttpRequest | None = None
) -> Post:
    return transition(post, State.WITHDRAWN, actor=user, request=request, reason=reason)


def comment(post: Post, user: Any, text: str, *, request: HttpRequest | None = None) -> Comment:
    require_allowed(user, "post.comment", post, request=request)
    text = text.strip()
    if not text:
        raise WorkflowError("comment: write something")
    if len(text) > MAX_COMMENT:
        raise WorkflowError(f"comment: {len(text)} characters; at most {MAX_COMMENT}")
    with transaction.atomic():
        created = Comment.objects.create(
            post=post,
            version=post.current_version,
            author=user,
            author_name=actor_name(user),
            text=text,
        )
        record(
            "workflow.comment.create",
            actor=user,
            obj=post,
            request=request,
            after={"comment": created.pk, "text": text[:500]},
        )
    return created


# --- vetting results and overrides --------------------------------------------------------------


def current(post: Post) -> PostVersion:
    """The post's current version (every post has one from the moment it is created)."""
    if post.current_version is None:
        raise WorkflowError(f"post {post.pk} has no content yet")
    return post.current_version


def latest_vetting(version: PostVersion | None) -> VettingResult | None:
    if version is None:
        return None
    return VettingResult.objects.filter(version=version).order_by("-created_at", "-id").first()


def open_findings(post: Post) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(blocking findings, review findings without an override) of the current version."""
    vetting = latest_vetting(post.current_version)
    if vetting is None:
        return [], []
    overrides = list(Override.objects.filter(version=post.current_version))
    blocking = vetting.with_severity("block")
    review = [f for f in vetting.with_severity("review") if not any(o.covers(f) for o in overrides)]
    return blocking, review


def effective_roles(user: Any, post: Post) -> set[str]:
    """Roles the user holds organization-wide, or per account on every one of the post's targets."""
    if user is None or not getattr(user, "is_authenticated", False) or user is SYSTEM:
        return set()
    targets = set(post_targets(post))
    per_account: dict[str, set[int]] = {}
    roles: set[str] = set()
    for role, account_id in held_roles(user):
        if role in ORGANIZATION_WIDE:
            roles.add(role)
        elif account_id is not None:
            per_account.setdefault(role, set()).add(account_id)
    roles.update(role for role, accounts in per_account.items() if targets and targets <= accounts)
    return roles


def override(
    post: Post,
    user: Any,
    *,
    rule: str,
    start: int,
    end: int,
    reason: str,
    image: int | None = None,
    request: HttpRequest | None = None,
) -> Override:
    """Let one "review" finding of the current version through, with a written reason."""
    require_allowed(user, "post.override", post, request=request)
    policy = _policy()
    allowed_roles = {role.value for role in policy.approvals.override_roles}
    if not effective_roles(user, post) & allowed_roles:
        raise PermissionDenied(
            f"the policy lets only {', '.join(sorted(allowed_roles))} override a finding "
            "(approvals.override_roles)"
        )
    reason = reason.strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise WorkflowError(
            f"reason: an override needs a written reason of at least {MIN_OVERRIDE_REASON} "
            "characters saying why this finding may go out"
        )
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state != State.IN_REVIEW:
            raise WorkflowError(
                f"post {post.pk} is {State(locked.state).label}; findings are overridden in review"
            )
        vetting = latest_vetting(locked.current_version)
        if vetting is None:
            raise WorkflowError(f"post {post.pk} has not been vetted yet")
        target = {"rule": rule, "start": start, "end": end, "image": image}
        matching = [f for f in vetting.findings if all(f.get(k) == v for k, v in target.items())]
        if not matching:
            raise WorkflowError(
                f"no finding {rule} at {start}-{end} in version "
                f"{locked.current_version.number if locked.current_version else '?'}"
            )
        if any(f.get("severity") == "block" for f in matching):
            raise WorkflowError(
                f"{rule} at {start}-{end} blocks the post: a blocking finding cannot be "
                "overridden; edit the post instead"
            )
        assert locked.current_version is not None
        created = Override.objects.create(
            post=locked,
            version=locked.current_version,
            rule=rule,
            start=start,
            end=end,
            image=image,
            reason=reason,
            by=user,
            by_name=actor_name(user),
        )
        record(
            "workflow.override.create",
            actor=user,
            obj=locked,
            request=request,
            after={
                "rule": rule,
                "start": start,
                "end": end,
                "image": image,
                "reason": reason,
                "version": locked.current_version.number,
            },
        )
    return created


# --- approvals ----------------------------------------------------------------------------------


def valid_approvals(post: Post, now: dt.datetime | None = None) -> list[Approval]:
    """Approvals that still count: not voided, of the current digest, not too old, window open."""
    now = now or timezone.now()
    version = post.current_version
    if version is None:
        return []
    policy = _policy()
    if post.not_after is not None and now > post.not_after:
        return []
    oldest = now - dt.timedelta(hours=policy.approvals.max_age_hours)
    return [
        a
        for a in Approval.objects.filter(post=post, version=version, voided_at__isnull=True)
        if a.digest == version.digest and a.created_at >= oldest
    ]


def _step_needs(step: ApprovalStep, approvals: Sequence[Approval]) -> dict[str, int]:
    """role (or "*" for any of the step's roles) -> approvals still missing in this step."""
    if step.mode == "any":
        return {"*": max(0, step.count - len({a.approver_id for a in approvals}))}
    return {
        role.value: max(0, step.count - len({a.approver_id for a in approvals if a.role == role}))
        for role in step.roles
    }


def missing_approvals(post: Post, now: dt.datetime | None = None) -> list[str]:
    """What the policy still needs, in words; empty when the post is fully approved."""
    policy = _policy()
    approvals = valid_approvals(post, now)
    missing = []
    for index, step in enumerate(policy.approvals.steps):
        in_step = [a for a in approvals if a.step_index == index]
        for role, count in _step_needs(step, in_step).items():
            if count:
                who = " or ".join(r.value for r in step.roles) if role == "*" else role
                missing.append(f"{step.name}: {count} more approval(s) by {who}")
    return missing


def approve(post: Post, user: Any, *, request: HttpRequest | None = None) -> Approval:
    """Sign the current digest as the next step the user's roles can fill."""
    require_allowed(user, "post.approve", post, request=request)
    if post.author_id == getattr(user, "pk", None):
        raise PermissionDenied("nobody approves their own post")
    policy = _policy()
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        version = locked.current_version
        if locked.state != State.IN_REVIEW or version is None:
            raise WorkflowError(
                f"post {post.pk} is {State(locked.state).label}; only a post in review can be "
                "approved"
            )
        blocking, review = open_findings(locked)
        if latest_vetting(version) is None:
            raise WorkflowError(f"post {post.pk} has not been vetted yet")
        if blocking:
            names = ", ".join(f"{f['rule']} at {f['start']}-{f['end']}" for f in blocking)
            raise WorkflowError(
                f"post {post.pk} has blocking findings ({names}); it cannot be approved. "
                "Request changes instead"
            )
        if review:
            names = ", ".join(f"{f['rule']} at {f['start']}-{f['end']}" for f in review)
            raise WorkflowError(
                f"post {post.pk} has findings that need an override with a written reason "
                f"first ({names})"
            )
        approvals = valid_approvals(locked)
        if any(a.approver_id == user.pk for a in approvals):
            raise WorkflowError(f"you have already approved version {version.number}")
        roles = effective_roles(user, locked)
        chosen = _choose_step(policy, approvals, roles)
        if chosen is None:
            needs = "; ".join(missing_approvals(locked)) or "nothing more"
            raise PermissionDenied(
                f"the policy's approval steps need no approval from your roles "
                f"({', '.join(sorted(roles)) or 'none on these accounts'}); still needed: {needs}"
            )
        index, step, role = chosen
        created = Approval.objects.create(
            post=locked,
            version=version,
            approver=user,
            approver_name=actor_name(user),
            step=step.name,
            step_index=index,
            role=role,
            digest=version.digest,
            device=str(getattr(request, "device", None) or "unenrolled") if request else "",
        )
        record(
            "workflow.approval.create",
            actor=user,
            obj=locked,
            request=request,
            after={
                "version": version.number,
                "digest": version.digest,
                "step": step.name,
                "role": role,
            },
        )
        # Still under the post's lock: two last approvals at once approve the post once.
        if not missing_approvals(locked):
            transition(
                locked,
                State.APPROVED,
                actor=user,
                request=request,
                details={"approvals": len(valid_approvals(locked))},
            )
    post.refresh_from_db()
    return created


def _choose_step(
    policy: Policy, approvals: Sequence[Approval], roles: set[str]
) -> tuple[int, ApprovalStep, str] | None:
    """The first unfinished step (in order) and the role the approver fills in it."""
    for index, step in enumerate(policy.approvals.steps):
        needs = _step_needs(step, [a for a in approvals if a.step_index == index])
        if not any(needs.values()):
            continue
        for role in step.roles:
            if role.value in roles and (needs.get("*", 0) or needs.get(role.value, 0)):
                return index, step, role.value
        return None  # steps go in order: this one must finish first
    return None


def request_changes(
    post: Post, user: Any, reason: str, *, request: HttpRequest | None = None
) -> Post:
    reason = reason.strip()
    if not reason:
        raise WorkflowError("reason: say what should change")
    with transaction.atomic():
        transition(post, State.CHANGES_REQUESTED, actor=user, request=request, reason=reason)
        Comment.objects.create(
            post=post,
            version=post.current_version,
            author=user,
            author_name=actor_name(user),
            text=f"Changes requested: {reason}",
        )
    return post


def schedule(post: Post, user: Any, *, request: HttpRequest | None = None) -> Post:
    """approved → scheduled, and the publish job is queued for the window's start (or now) in
    the same transaction: the job exists exactly when the post is scheduled."""
    from postguard.publishing.publisher import enqueue_publish

    if expire_if_stale(post):
        raise WorkflowError(f"post {post.pk}'s approval has expired; it is back in review")
    with transaction.atomic():
        transition(post, State.SCHEDULED, actor=user, request=request)
        enqueue_publish(post)
    return post


def expire_if_stale(post: Post, now: dt.datetime | None = None) -> bool:
    """An approved or scheduled post whose approvals no longer count goes back to review.

    The post row is locked before anything is audited (the audit chain lock comes second, as in
    every other workflow transaction), and the state is checked again under the lock, so two
    callers at once expire it once.
    """
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if locked.state not in (State.APPROVED, State.SCHEDULED):
            expired = False
        else:
            missing = missing_approvals(locked, now)
            expired = bool(missing)
            if expired:
                _void_approvals(
                    locked, SYSTEM, "expired (too old, or the publish window passed)", None
                )
                transition(
                    locked,
                    State.IN_REVIEW,
                    actor=SYSTEM,
                    reason="approval expired: " + "; ".join(missing),
                )
    post.refresh_from_db()
    return expired


def expire_stale_approvals() -> int:
    """The periodic check: every approved or scheduled post whose approval expired.

    Only posts whose window has closed or that hold an approval older than the policy allows
    are examined (one query finds them), so the check costs little however many posts wait.
    Anything else that voids an approval (a policy change) is caught when the post is
    scheduled and again right before it is published: both call expire_if_stale().
    """
    policy = active_policy()
    if policy is None:
        return 0  # nothing can have been approved
    now = timezone.now()
    oldest = now - dt.timedelta(hours=policy.approvals.max_age_hours)
    candidates = (
        Post.objects.filter(state__in=(State.APPROVED, State.SCHEDULED))
        .filter(
            Q(not_after__lt=now)
            | Q(approvals__voided_at__isnull=True, approvals__created_at__lt=oldest)
        )
        .distinct()
    )
    return sum(1 for post in candidates if expire_if_stale(post, now))


def may(user: Any, action_name: str, post: Post, request: HttpRequest | None = None) -> bool:
    """For templates and API answers: would the workflow let `user` try `action_name`?"""
    return allowed(user, action_name, post, request=request)

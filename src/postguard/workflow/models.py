"""Posts and everything that hangs off them: versions, images, comments, vetting results,
overrides and approvals.

A post's content lives in its versions: every edit makes a new PostVersion and the post points
at the current one. Approvals and overrides belong to one version and sign its digest, so an
edit leaves them behind (and the workflow voids them, audited).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from postguard.core.permissions import RestrictedModel, RestrictedQuerySet
from postguard.registry.models import PlatformAccount


class State(models.TextChoices):
    DRAFT = "draft", "draft"
    SUBMITTED = "submitted", "submitted"
    IN_REVIEW = "in_review", "in review"
    CHANGES_REQUESTED = "changes_requested", "changes requested"
    APPROVED = "approved", "approved"
    SCHEDULED = "scheduled", "scheduled"
    PUBLISHING = "publishing", "publishing"
    PUBLISHED = "published", "published"
    FAILED = "failed", "failed"
    UNCONFIRMED = "unconfirmed", "unconfirmed"
    WITHDRAWN = "withdrawn", "withdrawn"


class PostQuerySet(RestrictedQuerySet["Post"]):
    pass


class Post(RestrictedModel):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="posts"
    )
    # Kept as text so the record reads the same after the user is renamed or removed.
    author_name = models.CharField(max_length=254)
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    targets = models.ManyToManyField(PlatformAccount, related_name="posts")
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    current_version = models.ForeignKey(
        "PostVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)

    permission_account_path: ClassVar[str | None] = "targets__id"
    permission_owner_path: ClassVar[str | None] = "author"

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes: ClassVar[list[Any]] = [models.Index(fields=("state",), name="post_state")]

    def __str__(self) -> str:
        text = self.current_version.text if self.current_version else ""
        first = text.strip().splitlines()[0] if text.strip() else "(empty)"
        return f"post {self.pk}: {first[:60]}"

    def permission_account_ids(self) -> Iterable[int] | None:
        if self.pk is None:
            return ()
        return list(self.targets.values_list("id", flat=True))


class PostVersion(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    # The targets and window as they were in this version: the digest covers them.
    account_ids = models.JSONField(default=list)
    not_before = models.DateTimeField(null=True, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_by_name = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("post", "number")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=("post", "number"), name="post_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"post {self.post_id} version {self.number}"

    def diff(self, other: PostVersion | None) -> list[str]:
        """Unified diff of the text from `other` (an older version) to this one."""
        before = other.text.splitlines() if other is not None else []
        label = f"version {other.number}" if other is not None else "(nothing)"
        return list(
            difflib.unified_diff(
                before,
                self.text.splitlines(),
                fromfile=label,
                tofile=f"version {self.number}",
                lineterm="",
            )
        )


class PostImage(models.Model):
    version = models.ForeignKey(PostVersion, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField()
    sha256 = models.CharField(max_length=64)
    alt = models.TextField(blank=True)
    name = models.CharField(max_length=255, blank=True)
    # Relative to MEDIA_ROOT; content-addressed (posts/ab/abcdef...), shared between versions.
    path = models.CharField(max_length=300)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("version", "position")

    def __str__(self) -> str:
        return self.name or self.sha256[:12]


class VettingResult(models.Model):
    version = models.ForeignKey(PostVersion, on_delete=models.CASCADE, related_name="vettings")
    verdict = models.CharField(max_length=10)
    findings = models.JSONField(default=list)
    notices = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("version", "-created_at", "-id")

    def __str__(self) -> str:
        return f"vetting of {self.version}: {self.verdict}"

    def with_severity(self, severity: str) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("severity") == severity]


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    version = models.ForeignKey(
        PostVersion, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_name = models.CharField(max_length=254)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("post", "created_at", "id")

    def __str__(self) -> str:
        return f"comment by {self.author_name} on post {self.post_id}"


class Override(models.Model):
    """A written reason to let one "review" finding through, for one version."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="overrides")
    version = models.ForeignKey(PostVersion, on_delete=models.CASCADE, related_name="overrides")
    rule = models.CharField(max_length=100)
    start = models.IntegerField()
    end = models.IntegerField()
    image = models.IntegerField(null=True, blank=True)
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    by_name = models.CharField(max_length=254)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("post", "created_at", "id")

    def __str__(self) -> str:
        return f"override of {self.rule} [{self.start}:{self.end}] on {self.version}"

    def covers(self, finding: dict[str, Any]) -> bool:
        return (
            finding.get("rule") == self.rule
            and finding.get("start") == self.start
            and finding.get("end") == self.end
            and finding.get("image") == self.image
        )


class Approval(models.Model):
    """A signature: `approver` approved the content whose digest is `digest`, as `step`."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="approvals")
    version = models.ForeignKey(PostVersion, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approver_name = models.CharField(max_length=254)
    step = models.CharField(max_length=100)
    step_index = models.PositiveSmallIntegerField(default=0)
    role = models.CharField(max_length=20)
    digest = models.CharField(max_length=64)
    device = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)
    void_reason = models.TextField(blank=True)

    class Meta:
        ordering = ("post", "created_at", "id")

    def __str__(self) -> str:
        return f"approval by {self.approver_name} of {self.version} ({self.step})"

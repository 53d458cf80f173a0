"""Policy versions in the database: every proposed policy text, its diff, and who approved it.

Exactly one version is active at a time; it is the organization's policy (and the one source of
its name, domains, role addresses and public contacts). Changes go through
`postguard.policy.versions`, never through these models directly.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postguard.core.permissions import RestrictedModel, RestrictedQuerySet


class PolicyVersionQuerySet(RestrictedQuerySet["PolicyVersion"]):
    pass


class PolicyVersion(RestrictedModel):
    class State(models.TextChoices):
        PROPOSED = "proposed", "proposed"
        ACTIVE = "active", "active"
        SUPERSEDED = "superseded", "superseded"
        REJECTED = "rejected", "rejected"

    number = models.PositiveIntegerField(unique=True)
    yaml_text = models.TextField()
    sha256 = models.CharField(max_length=64)
    summary = models.CharField(max_length=500, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PROPOSED)
    # The version that was active when this one was proposed; the diff is against it.
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    diff = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="policy_versions_authored",
    )
    author_name = models.CharField(max_length=300)
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="policy_versions_approved",
    )
    approved_by_name = models.CharField(max_length=300, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    decided_reason = models.TextField(blank=True)
    rejected_by_name = models.CharField(max_length=300, blank=True)
    rejected_at = models.DateTimeField(null=True, blank=True)

    permission_owner_path: ClassVar[str | None] = "author"

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        ordering = ("-number",)
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=("state",), condition=Q(state="active"), name="policy_one_active_version"
            ),
        ]

    def __str__(self) -> str:
        return f"policy version {self.number} ({self.state})"

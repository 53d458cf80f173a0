"""People and their grants, platform accounts, enrolled devices and the employee directory.

The organization's name, domains, role addresses and public contacts are not stored here: the
active policy version is their one source of truth (see `postguard.registry.organization`).
Every change goes through `postguard.registry.services`, which checks `can()` and audits.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from postguard.core.permissions import RestrictedModel, RestrictedQuerySet
from postguard.policy.schema import ORGANIZATION_WIDE_ROLES, Role


class PersonQuerySet(RestrictedQuerySet["Person"]):
    pass


class Person(RestrictedModel):
    """A member of the social media team (anyone who holds or held a grant)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active"
        OFFBOARDED = "offboarded", "offboarded"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="person"
    )
    team = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    offboarded_at = models.DateTimeField(null=True, blank=True)
    offboarded_by = models.CharField(max_length=300, blank=True)
    offboard_reason = models.TextField(blank=True)

    permission_owner_path: ClassVar[str | None] = "user"

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ("user__email",)

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PlatformAccountQuerySet(RestrictedQuerySet["PlatformAccount"]):
    pass


class PlatformAccount(RestrictedModel):
    """One official account on a social platform, and what we know about its credentials."""

    class Platform(models.TextChoices):
        BLUESKY = "bluesky", "Bluesky"
        MASTODON = "mastodon", "Mastodon"
        X = "x", "X"
        LINKEDIN = "linkedin", "LinkedIn"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        THREADS = "threads", "Threads"
        YOUTUBE = "youtube", "YouTube"
        TIKTOK = "tiktok", "TikTok"
        OTHER = "other", "Other"

    class Mfa(models.TextChoices):
        APP = "app", "authenticator app"
        HARDWARE_KEY = "hardware_key", "hardware key"
        SMS = "sms", "SMS"
        NONE = "none", "none"

    platform = models.CharField(max_length=20, choices=Platform.choices)
    handle = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    login_email = models.EmailField(blank=True)
    recovery_email = models.EmailField(blank=True)
    recovery_phone = models.CharField(max_length=40, blank=True)
    keeper_role = models.CharField(
        max_length=20, choices=[(r.value, r.value) for r in Role], blank=True
    )
    keeper = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kept_accounts",
        help_text="The person who holds this account's credentials.",
    )
    mfa_method = models.CharField(max_length=20, choices=Mfa.choices, default=Mfa.NONE)
    last_rotation = models.DateField(null=True, blank=True)
    needs_rotation = models.BooleanField(default=False)
    rotation_reason = models.TextField(blank=True)
    token_scopes = models.JSONField(default=list, blank=True)
    privacy_checklist = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    permission_account_path: ClassVar[str | None] = "id"

    objects = PlatformAccountQuerySet.as_manager()

    class Meta:
        ordering = ("platform", "handle")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=("platform", "handle"), name="account_unique_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.handle}"


class GrantQuerySet(RestrictedQuerySet["Grant"]):
    def active(self) -> GrantQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class Grant(RestrictedModel):
    """A role held by a person: organization-wide (lead, security, auditor) or on one account."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="grants")
    role = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Role])
    account = models.ForeignKey(
        PlatformAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    reason = models.TextField()
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants_given",
    )
    granted_by_name = models.CharField(max_length=300)
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    recertified_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grants_revoked",
    )
    revoked_by_name = models.CharField(max_length=300, blank=True)
    revoke_reason = models.TextField(blank=True)

    permission_account_path: ClassVar[str | None] = "account"
    permission_owner_path: ClassVar[str | None] = "person__user"

    objects = GrantQuerySet.as_manager()

    class Meta:
        ordering = ("-granted_at",)
        constraints: ClassVar[list[Any]] = [
            # Organization-wide roles never name an account; per-account roles always do.
            models.CheckConstraint(
                condition=(
                    Q(
                        role__in=sorted(r.value for r in ORGANIZATION_WIDE_ROLES),
                        account__isnull=True,
                    )
                    | (
                        ~Q(role__in=sorted(r.value for r in ORGANIZATION_WIDE_ROLES))
                        & Q(account__isnull=False)
                    )
                ),
                name="grant_scope_matches_role",
            ),
            models.UniqueConstraint(
                fields=("person", "role"),
                condition=Q(revoked_at__isnull=True, account__isnull=True),
                name="grant_one_open_org_wide",
            ),
            models.UniqueConstraint(
                fields=("person", "role", "account"),
                condition=Q(revoked_at__isnull=True, account__isnull=False),
                name="grant_one_open_per_account",
            ),
        ]

    def __str__(self) -> str:
        scope = str(self.account) if self.account_id else "organization-wide"
        return f"{self.person} as {self.role} ({scope})"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class DirectoryEntryQuerySet(RestrictedQuerySet["DirectoryEntry"]):
    pass


class DirectoryEntry(RestrictedModel):
    """One employee in the directory the vetting engine protects (imported from CSV)."""

    name = models.CharField(max_length=200)
    preferred_name = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=200, blank=True)
    # Re-imports update entries by email; rows without one are matched by name and department.
    email = models.EmailField(unique=True, null=True, blank=True)
    phone = models.CharField(max_length=60, blank=True)
    office = models.CharField(max_length=200, blank=True)
    team = models.CharField(max_length=200, blank=True)
    participant = models.BooleanField(default=False)
    consent_date = models.DateField(null=True, blank=True)
    work_handle = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DirectoryEntryQuerySet.as_manager()

    class Meta:
        ordering = ("name", "email")
        verbose_name_plural = "directory entries"

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


class DeviceQuerySet(RestrictedQuerySet["Device"]):
    def enrolled(self) -> DeviceQuerySet:
        return self.filter(revoked_at__isnull=True)


class Device(RestrictedModel):
    """A company device enrolled by a lead; requests from it carry a signed device cookie."""

    name = models.CharField(max_length=200)
    owner = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="devices"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices_enrolled",
    )
    enrolled_by_name = models.CharField(max_length=300)
    enrolled_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by_name = models.CharField(max_length=300, blank=True)
    revoke_reason = models.TextField(blank=True)

    permission_owner_path: ClassVar[str | None] = "owner__user"

    objects = DeviceQuerySet.as_manager()

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def is_enrolled(self) -> bool:
        return self.revoked_at is None

"""The publishing records: which accounts Postguard can post to, what it delivered where,
pauses, and integrity alerts. Every row belongs to one platform account (or, for a pause, to
the whole organization), so `.restrict()` and `can()` scope them like the accounts themselves.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from postguard.core.permissions import RestrictedModel, RestrictedQuerySet
from postguard.registry.models import PlatformAccount
from postguard.workflow.models import Post, PostVersion


class ConnectionQuerySet(RestrictedQuerySet["Connection"]):
    pass


class Connection(RestrictedModel):
    """How Postguard signs in to one platform account.

    `credential` is the app password or access token encrypted by
    `connectors.credentials.CredentialCipher` with context `credential_context(account_id)`;
    only `connections.connector_for()` (the publisher and the integrity watch) decrypts it.
    It never appears in a page, an API answer, a log or an audit entry.
    """

    account = models.OneToOneField(
        PlatformAccount, on_delete=models.CASCADE, related_name="connection"
    )
    # Bluesky: the PDS URL (https://bsky.social); Mastodon: the instance URL.
    service_url = models.URLField(max_length=500)
    # What signs in: the Bluesky handle; empty for Mastodon (the token names the account).
    login = models.CharField(max_length=200, blank=True)
    credential = models.TextField()
    # Whose account the credentials opened, as the platform said at the last verification.
    remote_id = models.CharField(max_length=200, blank=True)
    remote_handle = models.CharField(max_length=200, blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    connected_by_name = models.CharField(max_length=254)
    connected_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set when the platform refused the credentials (revoked token): what the team must do.
    # Publishing to this account fails fast with this message until someone reconnects it.
    broken_reason = models.TextField(blank=True)

    permission_account_path: ClassVar[str | None] = "account"

    objects = ConnectionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"connection to {self.account}"

    def __repr__(self) -> str:  # never the credential
        return f"<Connection {self.pk} account={self.account_id} {self.service_url}>"


def credential_context(account_id: int) -> str:
    """The associated data a credential is bound to: it decrypts for this account only."""
    return f"platform-account:{account_id}"


class DeliveryQuerySet(RestrictedQuerySet["Delivery"]):
    pass


class Delivery(RestrictedModel):
    """One post on one target account: the unit of exactly-once publishing.

    Created when the publisher claims the post (one per target, never two: the unique
    constraint). `idempotency_key` is written before the first platform call and is the same
    on every attempt, so the platform can recognise a repeat (Bluesky: the record key derives
    from it; Mastodon: the Idempotency-Key header).

        pending → sending → published
                          → waiting (retryable: next_attempt_at) → sending ...
                          → unconfirmed (outcome unknown) → find() → published | sending again
                          → failed (permanent, window closed, attempts used up)

    `sending` is committed before the call: a worker that dies mid-call leaves a `sending` row
    whose `claimed_until` has passed, and whoever picks it up must call `find()` first.
    """

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        WAITING = "waiting", "waiting to retry"
        UNCONFIRMED = "unconfirmed", "unconfirmed"
        PUBLISHED = "published", "published"
        FAILED = "failed", "failed"

    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="deliveries")
    account = models.ForeignKey(
        PlatformAccount, on_delete=models.PROTECT, related_name="deliveries"
    )
    # The content this delivery publishes (or published): the approved version.
    version = models.ForeignKey(PostVersion, on_delete=models.PROTECT, related_name="deliveries")
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Where it landed.
    remote_id = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=1000, blank=True)
    remote_version = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The last thing that went wrong, in words the team can act on.
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the integrity watch last re-read it.
    checked_at = models.DateTimeField(null=True, blank=True)

    permission_account_path: ClassVar[str | None] = "account"

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ("post", "account")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=("post", "account"), name="delivery_once_per_account"),
        ]
        indexes: ClassVar[list[Any]] = [
            models.Index(fields=("state", "next_attempt_at"), name="delivery_due"),
            models.Index(fields=("account", "remote_id"), name="delivery_remote"),
        ]

    def __str__(self) -> str:
        return f"post {self.post_id} on {self.account}: {self.state}"


class PauseQuerySet(RestrictedQuerySet["Pause"]):
    def active(self) -> PauseQuerySet:
        return self.filter(resumed_at__isnull=True)

    def covering(self, account_ids: list[int]) -> PauseQuerySet:
        """Active pauses that stop any of these accounts (organization-wide ones included)."""
        return self.active().filter(Q(account__isnull=True) | Q(account_id__in=account_ids))


class Pause(RestrictedModel):
    """ "Stop all scheduled posts": for one account, or for the organization when account is None.

    Active until `resumed_at` is set. While any active pause covers a target account, the
    publisher makes no platform call for it.
    """

    account = models.ForeignKey(
        PlatformAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="pauses"
    )
    reason = models.TextField()
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    paused_by_name = models.CharField(max_length=254)
    paused_at = models.DateTimeField(default=timezone.now)
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    resumed_by_name = models.CharField(max_length=254, blank=True)
    resume_note = models.TextField(blank=True)

    permission_account_path: ClassVar[str | None] = "account"

    objects = PauseQuerySet.as_manager()

    class Meta:
        ordering = ("-paused_at", "-id")
        constraints: ClassVar[list[Any]] = [
            # At most one active pause per account, and one for the whole organization
            # (account 0 stands for "no account": NULLs never collide in a unique index).
            models.UniqueConstraint(
                Coalesce("account", Value(0)),
                condition=Q(resumed_at__isnull=True),
                name="pause_one_active_per_scope",
            ),
        ]

    def __str__(self) -> str:
        scope = str(self.account) if self.account_id else "the whole organization"
        return f"pause of {scope}"


def active_pause(account_ids: list[int]) -> Pause | None:
    """The active pause that stops publishing to any of these accounts, if there is one."""
    return Pause.objects.covering(account_ids).order_by("paused_at", "id").first()


class IntegrityAlertQuerySet(RestrictedQuerySet["IntegrityAlert"]):
    def open(self) -> IntegrityAlertQuerySet:
        return self.filter(acknowledged_at__isnull=True)


class IntegrityAlert(RestrictedModel):
    """Something on a platform account that Postguard did not do: a sign of account takeover."""

    class Kind(models.TextChoices):
        EDITED = "edited", "edited outside Postguard"
        DELETED = "deleted", "deleted outside Postguard"
        UNKNOWN_POST = "unknown_post", "a post Postguard did not publish"

    account = models.ForeignKey(PlatformAccount, on_delete=models.PROTECT, related_name="alerts")
    delivery = models.ForeignKey(
        Delivery, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    remote_id = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True)
    # What was seen: e.g. {"published_text": ..., "remote_text": ...}; never credentials.
    details = models.JSONField(default=dict)
    raised_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    acknowledged_by_name = models.CharField(max_length=254, blank=True)
    note = models.TextField(blank=True)

    permission_account_path: ClassVar[str | None] = "account"

    objects = IntegrityAlertQuerySet.as_manager()

    class Meta:
        ordering = ("-raised_at", "-id")
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=("account", "kind", "remote_id"), name="alert_once_per_remote_post"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.remote_id} on {self.account}"

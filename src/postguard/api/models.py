"""Personal API tokens: shown once, stored as a SHA-256 digest, limited to the owner's roles.

A token never grants more than its owner holds: every request it authenticates runs as the
owner through the same `can()` checks as the web app. Scopes only narrow that further (a
read-only token cannot change anything). Tokens end when revoked, when they expire, and when
their owner is offboarded (`postguard.api.tokens.revoke_all_tokens`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    class Scope(models.TextChoices):
        READ = "read", "read only"
        WRITE = "write", "read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="what the token is for, e.g. 'CI export'")
    prefix = models.CharField(max_length=16, db_index=True, help_text="shown to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the whole token")
    scope = models.CharField(max_length=5, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    @property
    def can_write(self) -> bool:
        return self.scope == self.Scope.WRITE

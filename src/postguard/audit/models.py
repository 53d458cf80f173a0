"""The audit event table and the one-row lock that serialises appends to the chain."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from postguard.core.permissions import RestrictedQuerySet


class AuditEventQuerySet(RestrictedQuerySet["AuditEvent"]):
    """`.restrict(user, "audit.view")`: lead, security and auditor see every event, others none."""


class AuditEvent(models.Model):
    """One state change. Rows are never updated or deleted (database triggers refuse it).

    Actor and object are stored as text, not foreign keys, so an event survives the user or
    object it describes. `hash` is SHA-256 over the canonical encoding of every other field
    (see `postguard.audit.chain.canonical_bytes`), including `prev_hash`, the previous event's hash.
    """

    seq = models.PositiveBigIntegerField(unique=True, help_text="1, 2, 3, ... with no gaps")
    time = models.DateTimeField(db_index=True)
    actor_id = models.CharField(max_length=64, blank=True, db_index=True)
    actor_name = models.CharField(max_length=254, blank=True)
    device = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    action = models.CharField(max_length=100, db_index=True)
    object_type = models.CharField(max_length=100, blank=True, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("seq",)
        verbose_name = "audit event"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_name}"


class AuditChainLock(models.Model):
    """A single row (id 1) that every append updates first, inside its transaction.

    Updating it takes a row lock on PostgreSQL and the write lock on SQLite, so two processes
    appending at once are serialised and can never both extend the same head (fork the chain).
    `appends` counts appends; it is a lock, not evidence (verification reads only the events).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    appends = models.PositiveBigIntegerField(default=0)

    objects: ClassVar[models.Manager[AuditChainLock]] = models.Manager()

    class Meta:
        verbose_name = "audit chain lock"

    def __str__(self) -> str:
        return f"audit chain lock ({self.appends} appends)"

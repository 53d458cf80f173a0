"""The one way to write to the audit log: `record(action, actor=..., obj=..., ...)`.

Every layer (web, API, CLI, workflow, jobs) calls `record` for every state change. The event is
appended to the hash chain atomically: inside one transaction the chain lock row is updated
first (a row lock on PostgreSQL, the write lock on SQLite), then the head is read and the new
event inserted, so concurrent writers are serialised and the chain never forks. When `record` is
called inside a caller's transaction, the event commits or rolls back with the change it describes.

Because the chain lock is held until the caller's transaction commits, call `record` at the end
of a transaction, after the rows it describes are written: taking the chain lock first and other
row locks after it could deadlock with a writer doing the opposite.

Events from one web request share a request id (set by `RequestIdMiddleware`); commands and jobs
group their events with `audit_context(...)`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from postguard.audit import chain
from postguard.audit.models import AuditChainLock, AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["AuditContext", "audit_context", "current_context", "new_request_id", "record"]

_MAX_ACTION = 100
_MAX_TYPE = 100
_MAX_ID = 64
_MAX_NAME = 254
_MAX_REPR = 200
_MAX_DEVICE = 200


@dataclass(frozen=True)
class AuditContext:
    """What every event recorded in the current request, command or job has in common."""

    request_id: str
    request: HttpRequest | None = None
    actor_name: str | None = None
    device: str | None = None
    ip: str | None = None


_current: ContextVar[AuditContext | None] = ContextVar("postguard_audit_context", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_context() -> AuditContext | None:
    return _current.get()


@contextlib.contextmanager
def audit_context(
    *,
    request_id: str | None = None,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
    device: str | None = None,
    ip: str | None = None,
) -> Iterator[AuditContext]:
    """Group the events recorded inside the block under one request id.

    Commands use it as `with audit_context(actor_name="cli:alice", device="cli"):`; the middleware
    uses it for each web request. Nested contexts inherit what they do not override.
    """
    outer = _current.get()
    if outer is not None and request_id is None:
        context = replace(
            outer,
            request=request or outer.request,
            actor_name=actor_name or outer.actor_name,
            device=device or outer.device,
            ip=ip or outer.ip,
        )
    else:
        context = AuditContext(
            request_id=request_id or new_request_id(),
            request=request,
            actor_name=actor_name,
            device=device,
            ip=ip,
        )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


def record(
    action: str,
    *,
    actor: Any = None,
    obj: Any = None,
    before: Any = None,
    after: Any = None,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
    device: str | None = None,
    ip: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    using: str = "default",
) -> AuditEvent:
    """Append one event to the audit log and return it.

    action: a dotted verb such as "registry.account.create", "auth.login.failed".
    actor: the user who acted (any model instance); defaults to `request.user` when signed in.
    obj: the model instance acted on; object_type/object_id/object_repr override what it gives.
    before/after: JSON-able snapshots; secrets (password, token, key, totp, ...) are redacted.
    request: the HttpRequest; defaults to the current request set by RequestIdMiddleware.
    actor_name/device/ip: override what actor and request give (e.g. "system", "cli").
    """
    if not action or not isinstance(action, str):
        raise ValueError("an audit event needs an action such as 'registry.account.create'")
    context = _current.get()
    if request is None and context is not None:
        request = context.request
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            actor = user

    fields: dict[str, Any] = {
        "actor_id": _text(getattr(actor, "pk", None) if actor is not None else None, _MAX_ID),
        "actor_name": _text(
            actor_name
            or (_actor_name(actor) if actor is not None else None)
            or (context.actor_name if context else None),
            _MAX_NAME,
        ),
        "device": _text(
            device or (context.device if context else None) or _device_from(request), _MAX_DEVICE
        ),
        "ip": _ip(ip or (context.ip if context else None) or _ip_from(request)),
        "action": _text(action, _MAX_ACTION),
        "object_type": _text(object_type or _object_type(obj), _MAX_TYPE),
        "object_id": _text(
            object_id if object_id is not None else getattr(obj, "pk", None), _MAX_ID
        ),
        "object_repr": _text(
            object_repr if object_repr is not None else (obj if obj is not None else None),
            _MAX_REPR,
        ),
        "before": None if before is None else chain.redact(chain.jsonable(before)),
        "after": None if after is None else chain.redact(chain.jsonable(after)),
        "request_id": _text(
            context.request_id if context else getattr(request, "audit_request_id", None),
            64,
        )
        or new_request_id(),
    }
    return _append(fields, using)


def _append(fields: dict[str, Any], using: str) -> AuditEvent:
    with transaction.atomic(using=using):
        _lock_chain(using)
        head = AuditEvent.objects.using(using).order_by("-seq").values_list("seq", "hash").first()
        seq, prev_hash = (head[0] + 1, head[1]) if head else (1, chain.GENESIS_HASH)
        event = AuditEvent(seq=seq, time=timezone.now(), prev_hash=prev_hash, **fields)
        event.hash = chain.compute_hash(event_fields(event))
        event.save(using=using, force_insert=True)
    return event


def _lock_chain(using: str) -> None:
    # The UPDATE is the transaction's first write: it waits for any other appender to commit.
    locked = AuditChainLock.objects.using(using).filter(pk=1).update(appends=F("appends") + 1)
    if locked:
        return
    # First append ever (or after a test flush): create the lock row, tolerating a racing creator.
    try:
        with transaction.atomic(using=using):
            AuditChainLock.objects.using(using).create(pk=1, appends=0)
    except IntegrityError:
        pass
    AuditChainLock.objects.using(using).filter(pk=1).update(appends=F("appends") + 1)


def event_fields(event: AuditEvent) -> dict[str, Any]:
    """The hashed fields of a stored or unsaved event, as `chain.compute_hash` expects them."""
    return {name: getattr(event, name) for name in chain.HASHED_FIELDS}


def _text(value: Any, limit: int) -> str:
    if value is None:
        return ""
    return chain.jsonable(str(value))[:limit]  # type: ignore[no-any-return]


def _actor_name(actor: Any) -> str:
    email = getattr(actor, "email", "") or ""
    name = str(actor)
    if email and email not in name:
        return f"{name} <{email}>"
    return name


def _object_type(obj: Any) -> str | None:
    meta = getattr(obj, "_meta", None)
    if meta is None:
        return None if obj is None else type(obj).__name__
    return f"{meta.app_label}.{meta.model_name}"


def _device_from(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    # The device middleware (registry) sets request.device to the enrolled device, if any.
    device = getattr(request, "device", None)
    if device is not None:
        return str(device)
    agent = request.META.get("HTTP_USER_AGENT", "")
    return f"unenrolled: {agent}" if agent else "unenrolled"


def _ip_from(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    value = request.META.get("REMOTE_ADDR")
    return value if isinstance(value, str) else None


def _ip(value: str | None) -> str:
    if not value:
        return ""
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""

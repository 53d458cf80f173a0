"""Every change to the registry: checked with `can()`, done in one transaction, audited.

Web views, API endpoints and management commands call these and nothing else. Errors a person
can fix raise `RegistryError` (a ValueError with a message naming the field and what would be
accepted); a missing permission raises django's PermissionDenied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone

from postguard.core.actors import actor_name, is_system
from postguard.core.models import User
from postguard.core.permissions import clear_permission_cache, require
from postguard.policy.schema import ORGANIZATION_WIDE_ROLES, Role
from postguard.registry import devices
from postguard.registry.models import Device, DirectoryEntry, Grant, Person, PlatformAccount

# Sent inside the offboarding transaction, after grants are revoked and sessions ended;
# receivers end whatever else the person holds (kwargs: person, actor, reason).
person_offboarded = Signal()


class RegistryError(ValueError):
    """Bad input to a registry change; the message says what, where and what is accepted."""


def _record(action: str, actor: Any, obj: Any, **kwargs: Any) -> None:
    from postguard.audit.log import record

    record(
        action,
        actor=None if is_system(actor) else actor,
        actor_name=actor_name(actor),
        obj=obj,
        **kwargs,
    )


def _user_or_none(actor: Any) -> User | None:
    return actor if isinstance(actor, User) else None


# --- people ------------------------------------------------------------------------------------


def person_snapshot(person: Person) -> dict[str, Any]:
    return {
        "email": person.user.email,
        "name": str(person.user),
        "team": person.team,
        "status": person.status,
    }


def create_person(
    actor: Any, email: str, name: str, *, team: str = "", password: str | None = None
) -> Person:
    """Add a team member (and their sign-in, without a usable password unless one is given)."""
    require(actor, "person.create")
    email = _email("email", email, required=True)
    name = name.strip()
    if not name:
        raise RegistryError("name: give the person's name")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User(username=email, email=email, display_name=name[:200])
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
        elif Person.objects.filter(user=user).exists():
            raise RegistryError(f"email: {email} is already a team member")
        person = Person.objects.create(user=user, team=team.strip()[:200])
        _record("registry.person.create", actor, person, after=person_snapshot(person))
    return person


def person_by_email(email: str) -> Person:
    person = Person.objects.select_related("user").filter(user__email__iexact=email.strip()).first()
    if person is None:
        raise RegistryError(f"no team member has the email {email.strip()!r}")
    return person


# --- grants ------------------------------------------------------------------------------------


def grant_snapshot(grant: Grant) -> dict[str, Any]:
    return {
        "person": grant.person.user.email,
        "role": grant.role,
        "account": str(grant.account) if grant.account_id else None,
        "reason": grant.reason,
        "expires_at": grant.expires_at,
        "revoked_at": grant.revoked_at,
        "revoke_reason": grant.revoke_reason,
    }


def grant_role(
    actor: Any,
    person: Person,
    role: str,
    *,
    reason: str,
    account: PlatformAccount | None = None,
    expires_at: dt.datetime | None = None,
) -> Grant:
    """Give `person` a role: organization-wide (lead, security, auditor) or on one account."""
    roles = [r.value for r in Role]
    if role not in roles:
        raise RegistryError(f"role: {role!r} is not a role; use one of: {', '.join(roles)}")
    org_wide = role in {r.value for r in ORGANIZATION_WIDE_ROLES}
    if org_wide and account is not None:
        raise RegistryError(
            f"account: {role} is an organization-wide role and is granted without an account"
        )
    if not org_wide and account is None:
        raise RegistryError(f"account: {role} is granted per platform account; name the account")
    if not reason.strip():
        raise RegistryError("reason: say why this person needs the role (it is reviewed later)")
    if expires_at is not None and expires_at <= timezone.now():
        raise RegistryError("expires: the expiry must be in the future")
    require(actor, "grant.create", person)
    if not person.is_active or not person.user.is_active:
        raise RegistryError(f"{person} has been offboarded; re-activate them before granting")
    with transaction.atomic():
        try:
            with transaction.atomic():
                grant = Grant.objects.create(
                    person=person,
                    role=role,
                    account=account,
                    reason=reason.strip(),
                    granted_by=_user_or_none(actor),
                    granted_by_name=actor_name(actor),
                    expires_at=expires_at,
                )
        except IntegrityError:
            where = f" on {account}" if account else ""
            raise RegistryError(f"{person} already holds {role}{where}") from None
        _record("registry.grant.create", actor, grant, after=grant_snapshot(grant))
    clear_permission_cache(person.user)
    return grant


def revoke_grant(actor: Any, grant: Grant, *, reason: str) -> Grant:
    if not reason.strip():
        raise RegistryError("reason: say why the grant is revoked")
    require(actor, "grant.revoke", grant)
    with transaction.atomic():
        grant = Grant.objects.select_for_update().select_related("person__user").get(pk=grant.pk)
        if grant.revoked_at is not None:
            raise RegistryError(
                f"the grant ({grant}) was already revoked on {grant.revoked_at:%Y-%m-%d}"
            )
        _revoke(actor, grant, reason.strip())
    clear_permission_cache(grant.person.user)
    return grant


def _revoke(actor: Any, grant: Grant, reason: str) -> None:
    before = grant_snapshot(grant)
    grant.revoked_at = timezone.now()
    grant.revoked_by = _user_or_none(actor)
    grant.revoked_by_name = actor_name(actor)
    grant.revoke_reason = reason
    grant.save(update_fields=["revoked_at", "revoked_by", "revoked_by_name", "revoke_reason"])
    _record("registry.grant.revoke", actor, grant, before=before, after=grant_snapshot(grant))


def recertify_grant(actor: Any, grant: Grant, *, note: str = "") -> Grant:
    """Confirm a grant is still needed (the quarterly review); never one's own."""
    require(actor, "grant.recertify", grant)
    with transaction.atomic():
        grant = Grant.objects.select_for_update().select_related("person__user").get(pk=grant.pk)
        if not grant.is_active:
            raise RegistryError(f"the grant ({grant}) is no longer active; grant it anew instead")
        before = grant_snapshot(grant)
        grant.recertified_at = timezone.now()
        grant.save(update_fields=["recertified_at"])
        _record(
            "registry.grant.recertify",
            actor,
            grant,
            before=before,
            after={**grant_snapshot(grant), "recertified_at": grant.recertified_at, "note": note},
        )
    return grant


def update_person(
    actor: Any, person: Person, *, name: str | None = None, team: str | None = None
) -> Person:
    require(actor, "person.change", person)
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
        before = person_snapshot(person)
        if name is not None:
            if not name.strip():
                raise RegistryError("name: give the person's name")
            person.user.display_name = name.strip()[:200]
            person.user.save(update_fields=["display_name"])
        if team is not None:
            person.team = team.strip()[:200]
            person.save(update_fields=["team"])
        _record(
            "registry.person.change", actor, person, before=before, after=person_snapshot(person)
        )
    return person


# --- offboarding -------------------------------------------------------------------------------


@dataclass
class OffboardReport:
    person: str
    grants_revoked: int = 0
    sessions_ended: int = 0
    tokens_revoked: int = 0
    accounts_flagged: list[str] = field(default_factory=list)


def offboard(actor: Any, person: Person, *, reason: str) -> OffboardReport:
    """One action: every grant revoked, every session and API token ended, kept credentials
    flagged for rotation, the sign-in deactivated. All or nothing; audited."""
    if not reason.strip():
        raise RegistryError("reason: say why the person is offboarded")
    require(actor, "person.offboard", person)
    reason = reason.strip()
    with transaction.atomic():
        person = Person.objects.select_for_update().select_related("user").get(pk=person.pk)
        if not person.is_active:
            raise RegistryError(
                f"{person} was already offboarded on {person.offboarded_at:%Y-%m-%d}"
            )
        report = OffboardReport(person=str(person))
        before = person_snapshot(person)
        for grant in Grant.objects.select_for_update().filter(
            person=person, revoked_at__isnull=True
        ):
            _revoke(actor, grant, f"offboarded: {reason}")
            report.grants_revoked += 1
        for account in PlatformAccount.objects.select_for_update().filter(keeper=person):
            account_before = account_snapshot(account)
            account.needs_rotation = True
            account.rotation_reason = f"keeper {person} offboarded: {reason}"
            account.save(update_fields=["needs_rotation", "rotation_reason", "updated_at"])
            _record(
                "registry.account.flag_rotation",
                actor,
                account,
                before=account_before,
                after=account_snapshot(account),
            )
            report.accounts_flagged.append(str(account))
        report.sessions_ended = end_sessions(person.user)
        report.tokens_revoked = _revoke_tokens(person.user, actor, reason)
        person.status = Person.Status.OFFBOARDED
        person.offboarded_at = timezone.now()
        person.offboarded_by = actor_name(actor)
        person.offboard_reason = reason
        person.save(update_fields=["status", "offboarded_at", "offboarded_by", "offboard_reason"])
        person.user.is_active = False
        person.user.save(update_fields=["is_active"])
        person_offboarded.send(sender=Person, person=person, actor=actor, reason=reason)
        _record(
            "registry.person.offboard",
            actor,
            person,
            before=before,
            after={**person_snapshot(person), "reason": reason, **report.__dict__},
        )
    clear_permission_cache(person.user)
    return report


def end_sessions(user: User) -> int:
    """Delete every session of `user` from the session store (and allauth's session list)."""
    ended = 0
    from django.apps import apps

    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        for user_session in UserSession.objects.filter(user_id=user.pk):
            user_session.end()
            ended += 1
    # Sessions allauth never saw (e.g. created before it tracked them): scan the store.
    uid = str(user.pk)
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == uid:
            session.delete()
            ended += 1
    return ended


def _revoke_tokens(user: User, actor: Any, reason: str) -> int:
    from django.apps import apps

    if not apps.is_installed("postguard.api"):
        return 0
    from postguard.api.tokens import revoke_all_tokens

    return revoke_all_tokens(user, actor=actor, reason=f"owner offboarded: {reason}")


# --- platform accounts -------------------------------------------------------------------------

ACCOUNT_FIELDS = (
    "platform",
    "handle",
    "url",
    "login_email",
    "recovery_email",
    "recovery_phone",
    "keeper_role",
    "mfa_method",
    "last_rotation",
    "token_scopes",
    "privacy_checklist",
)


def account_snapshot(account: PlatformAccount) -> dict[str, Any]:
    data = {name: getattr(account, name) for name in ACCOUNT_FIELDS}
    data["keeper"] = str(account.keeper) if account.keeper_id else None
    data["needs_rotation"] = account.needs_rotation
    data["rotation_reason"] = account.rotation_reason
    return data


def _email(field_name: str, value: str, *, required: bool = False) -> str:
    value = (value or "").strip()
    if not value:
        if required:
            raise RegistryError(f"{field_name}: an email address is required")
        return ""
    try:
        validate_email(value)
    except ValidationError:
        raise RegistryError(
            f"{field_name}: {value!r} is not an email address (expected name@domain)"
        ) from None
    return value.lower()


def _clean_account_fields(values: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(values) - set(ACCOUNT_FIELDS) - {"keeper"})
    if unknown:
        raise RegistryError(
            f"unknown account field(s): {', '.join(unknown)}; "
            f"accepted: {', '.join((*ACCOUNT_FIELDS, 'keeper'))}"
        )
    clean = dict(values)
    if "platform" in clean and clean["platform"] not in PlatformAccount.Platform.values:
        raise RegistryError(
            f"platform: {clean['platform']!r} is not supported; use one of: "
            f"{', '.join(PlatformAccount.Platform.values)}"
        )
    if "handle" in clean:
        clean["handle"] = str(clean["handle"]).strip()
        if not clean["handle"] or len(clean["handle"]) > 200:
            raise RegistryError("handle: give the account's handle (at most 200 characters)")
    if clean.get("url"):
        try:
            URLValidator(schemes=["https", "http"])(clean["url"])
        except ValidationError:
            raise RegistryError(f"url: {clean['url']!r} is not an http(s) URL") from None
    for name in ("login_email", "recovery_email"):
        if name in clean:
            clean[name] = _email(name, clean[name])
    if "recovery_phone" in clean:
        phone = str(clean["recovery_phone"] or "").strip()
        if phone and (len(phone) > 40 or not any(c.isdigit() for c in phone)):
            raise RegistryError(f"recovery_phone: {phone!r} is not a phone number")
        clean["recovery_phone"] = phone
    if clean.get("mfa_method") is not None and clean["mfa_method"] not in (
        PlatformAccount.Mfa.values
    ):
        raise RegistryError(
            f"mfa_method: {clean['mfa_method']!r} is not one of: "
            f"{', '.join(PlatformAccount.Mfa.values)}"
        )
    if clean.get("keeper_role") and clean["keeper_role"] not in [r.value for r in Role]:
        raise RegistryError(f"keeper_role: {clean['keeper_role']!r} is not a role")
    if "token_scopes" in clean and not (
        isinstance(clean["token_scopes"], list | tuple)
        and all(isinstance(s, str) for s in clean["token_scopes"])
    ):
        raise RegistryError("token_scopes: give a list of scope names")
    if "token_scopes" in clean:
        clean["token_scopes"] = list(clean["token_scopes"])
    if "privacy_checklist" in clean and not (
        isinstance(clean["privacy_checklist"], dict)
        and all(isinstance(v, bool) for v in clean["privacy_checklist"].values())
    ):
        raise RegistryError("privacy_checklist: give a mapping of setting name to true/false")
    if (
        "keeper" in clean
        and clean["keeper"] is not None
        and not isinstance(clean["keeper"], Person)
    ):
        raise RegistryError("keeper: name a team member")
    return clean


def create_account(actor: Any, **values: Any) -> PlatformAccount:
    require(actor, "account.create")
    clean = _clean_account_fields(values)
    for required in ("platform", "handle"):
        if not clean.get(required):
            raise RegistryError(f"{required}: required for a new platform account")
    with transaction.atomic():
        if PlatformAccount.objects.filter(
            platform=clean["platform"], handle__iexact=clean["handle"]
        ).exists():
            raise RegistryError(
                f"handle: {clean['handle']} on {clean['platform']} is already registered"
            )
        account = PlatformAccount.objects.create(**clean)
        _record("registry.account.create", actor, account, after=account_snapshot(account))
    return account


def update_account(actor: Any, account: PlatformAccount, **values: Any) -> PlatformAccount:
    require(actor, "account.change", account)
    clean = _clean_account_fields(values)
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        before = account_snapshot(account)
        for name, value in clean.items():
            setattr(account, name, value)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            raise RegistryError(
                f"handle: {account.handle} on {account.platform} is already registered"
            ) from None
        _record(
            "registry.account.change",
            actor,
            account,
            before=before,
            after=account_snapshot(account),
        )
    return account


def record_rotation(
    actor: Any, account: PlatformAccount, *, when: dt.date | None = None
) -> PlatformAccount:
    """The credentials were changed: record the date and clear the rotation flag."""
    require(actor, "account.rotate", account)
    today = timezone.localdate()
    when = when or today
    if when > today:
        raise RegistryError("when: a rotation date cannot be in the future")
    with transaction.atomic():
        account = PlatformAccount.objects.select_for_update().get(pk=account.pk)
        before = account_snapshot(account)
        account.last_rotation = when
        account.needs_rotation = False
        account.rotation_reason = ""
        account.save(
            update_fields=["last_rotation", "needs_rotation", "rotation_reason", "updated_at"]
        )
        _record(
            "registry.account.rotate",
            actor,
            account,
            before=before,
            after=account_snapshot(account),
        )
    return account


# --- devices -----------------------------------------------------------------------------------


def device_snapshot(device: Device) -> dict[str, Any]:
    return {
        "name": device.name,
        "owner": str(device.owner) if device.owner_id else None,
        "enrolled_by": device.enrolled_by_name,
        "revoked_at": device.revoked_at,
        "revoke_reason": device.revoke_reason,
    }


def enroll_device(actor: Any, name: str, *, owner: Person | None = None) -> tuple[Device, str]:
    """Create an enrolled device; returns it and the token for the cookie (never stored)."""
    require(actor, "device.enroll")
    name = name.strip()
    if not name or len(name) > 200:
        raise RegistryError("name: give the device a name such as 'Comms laptop 3' (max 200)")
    token = devices.new_token()
    with transaction.atomic():
        device = Device.objects.create(
            name=name,
            owner=owner,
            token_hash=devices.token_hash(token),
            enrolled_by=_user_or_none(actor),
            enrolled_by_name=actor_name(actor),
        )
        _record("registry.device.enroll", actor, device, after=device_snapshot(device))
    return device, token


def revoke_device(actor: Any, device: Device, *, reason: str) -> Device:
    if not reason.strip():
        raise RegistryError("reason: say why the device is revoked (lost, retired, ...)")
    require(actor, "device.revoke", device)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.revoked_at is not None:
            raise RegistryError(f"the device {device} was already revoked")
        before = device_snapshot(device)
        device.revoked_at = timezone.now()
        device.revoked_by_name = actor_name(actor)
        device.revoke_reason = reason.strip()
        device.save(update_fields=["revoked_at", "revoked_by_name", "revoke_reason"])
        _record(
            "registry.device.revoke", actor, device, before=before, after=device_snapshot(device)
        )
    return device


# --- the employee directory --------------------------------------------------------------------


class DirectoryImportError(RegistryError):
    """The directory file has errors and nothing was imported; `errors` lists every one."""

    def __init__(self, source: str, errors: tuple[Any, ...]) -> None:
        self.source = source
        self.errors = errors
        count = len(errors)
        lines = [
            f"{source}: {count} error{'s' if count != 1 else ''}; nothing was imported"
            + (
                " (use --skip-invalid to import the valid rows)"
                if any(e.row for e in errors)
                else ""
            )
        ]
        lines.extend(f"  {error}" for error in errors)
        super().__init__("\n".join(lines))


@dataclass
class DirectoryImportReport:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: tuple[Any, ...] = ()  # DirectoryRowError for each row left out (--skip-invalid)

    @property
    def imported(self) -> int:
        return self.created + self.updated + self.unchanged

    def summary(self) -> str:
        text = (
            f"{self.source}: {self.created} added, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.skipped:
            rows = sorted({e.row for e in self.skipped})
            text += f"; {len(rows)} invalid row{'s' if len(rows) != 1 else ''} skipped"
        return text


_ENTRY_FIELDS = (
    "name",
    "preferred_name",
    "department",
    "title",
    "phone",
    "office",
    "team",
    "participant",
    "consent_date",
    "work_handle",
)


def import_directory(
    actor: Any,
    data: bytes | str,
    *,
    source: str = "directory.csv",
    skip_invalid: bool = False,
    max_bytes: int | None = None,
) -> DirectoryImportReport:
    """Validate the whole file, then write it in one transaction; re-imports update by email.

    With errors, nothing is written (DirectoryImportError lists every bad row) unless
    `skip_invalid`, which imports the valid rows and reports the others. Errors about the whole
    file (too large, not UTF-8, no usable header) always stop the import.
    """
    from django.conf import settings

    from postguard.vetting.directory import parse_directory_bytes, parse_directory_csv

    require(actor, "directory.import")
    limit = max_bytes if max_bytes is not None else settings.MAX_UPLOAD_BYTES
    if isinstance(data, bytes):
        result = parse_directory_bytes(data, source, max_bytes=limit)
        raw = data
    else:
        result = parse_directory_csv(data, source, max_bytes=limit)
        raw = data.encode("utf-8", "surrogatepass")
    fatal = any(e.row == 0 for e in result.errors) or not result.employees
    if result.errors and (fatal or not skip_invalid):
        raise DirectoryImportError(source, result.errors)
    report = DirectoryImportReport(source=source, skipped=result.errors)
    with transaction.atomic():
        for employee in result.employees:
            values = {name: getattr(employee, name) for name in _ENTRY_FIELDS}
            values["consent_date"] = employee.consent_date if employee.participant else None
            email = employee.email.strip().lower() or None
            if email:
                entry = DirectoryEntry.objects.filter(email=email).first()
            else:
                entry = DirectoryEntry.objects.filter(
                    email__isnull=True,
                    name__iexact=employee.name,
                    department__iexact=employee.department,
                ).first()
            if entry is None:
                DirectoryEntry.objects.create(email=email, **values)
                report.created += 1
            elif any(getattr(entry, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(entry, key, value)
                entry.save()
                report.updated += 1
            else:
                report.unchanged += 1
        # Counts only: the audit log is permanent and must not become a copy of the directory.
        _record(
            "registry.directory.import",
            actor,
            None,
            object_type="registry.directoryentry",
            object_repr=source[:200],
            after={
                "source": source,
                "sha256": hashlib.sha256(raw).hexdigest(),
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "skipped_rows": sorted({e.row for e in result.errors}),
            },
        )
    return report

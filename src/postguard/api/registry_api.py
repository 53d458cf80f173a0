"""The organization registry over the API: organization, people and grants, platform accounts with
their posture, the employee directory (list and import) and devices. Same `can()` rules as the UI;
changes go through `postguard.registry.services`, which checks and audits them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from postguard.api.auth import require_recent_auth, require_write
from postguard.api.errors import FieldError
from postguard.core.permissions import require
from postguard.policy.versions import active_policy
from postguard.registry import posture, services
from postguard.registry.invitations import invite
from postguard.registry.models import Device, DirectoryEntry, Grant, Person, PlatformAccount
from postguard.registry.organization import current_organization

router = Router(tags=["registry"])


def _service_error(exc: Exception) -> FieldError:
    """Registry errors read "field: what was wrong"; report them under body.<field>."""
    message = str(exc)
    field, sep, rest = message.partition(": ")
    if sep and field.isidentifier():
        return FieldError([(f"body.{field}", rest)], detail=message)
    return FieldError([("body", message)], detail=message)


# --- organization ------------------------------------------------------------------------------


class OrganizationOut(Schema):
    name: str
    domains: list[str]
    role_addresses: list[str]
    main_phone: str | None
    office_address: str | None
    policy_version: int | None


@router.get("/organization", response=OrganizationOut, summary="The organization (from the policy)")
def organization(request: HttpRequest) -> dict[str, Any]:
    require(request.user, "organization.view", request=request)
    org = current_organization()
    if org is None:
        raise HttpError(404, "no policy is active yet, so the organization is not defined")
    contacts = org.public_contacts
    return {
        "name": org.name,
        "domains": list(org.domains),
        "role_addresses": list(org.role_addresses),
        "main_phone": getattr(contacts, "main_phone", None),
        "office_address": getattr(contacts, "office_address", None),
        "policy_version": org.policy_version,
    }


# --- people and grants -------------------------------------------------------------------------


class GrantOut(Schema):
    id: int
    person_id: int
    person_email: str
    role: str
    account_id: int | None
    account: str | None
    reason: str
    granted_by_name: str
    granted_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoke_reason: str
    active: bool

    @staticmethod
    def resolve_person_email(obj: Grant) -> str:
        return obj.person.user.email

    @staticmethod
    def resolve_account(obj: Grant) -> str | None:
        return str(obj.account) if obj.account_id else None

    @staticmethod
    def resolve_active(obj: Grant) -> bool:
        return obj.is_active


class PersonOut(Schema):
    id: int
    email: str
    name: str
    team: str
    status: str
    offboarded_at: dt.datetime | None

    @staticmethod
    def resolve_email(obj: Person) -> str:
        return obj.user.email

    @staticmethod
    def resolve_name(obj: Person) -> str:
        return str(obj.user)


@router.get("/people", response=list[PersonOut], summary="People you may see")
def people(request: HttpRequest) -> list[Person]:
    require(request.user, "person.view", request=request)
    rows = Person.objects.restrict(request.user, "person.view", request=request)
    return list(rows.select_related("user"))


class PersonIn(Schema):
    email: str
    name: str
    team: str = ""


class PersonAddedOut(PersonOut):
    invited: bool  # True: mailed a one-time link to choose a password


@router.post("/people", response={201: PersonAddedOut}, summary="Add a person to the team")
def add_person(request: HttpRequest, payload: PersonIn) -> tuple[int, Person]:
    require_write(request)
    require(request.user, "person.create", request=request)
    try:
        created = services.create_person(
            request.user, payload.email, payload.name, team=payload.team
        )
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    created.invited = invite(request, created.user)  # type: ignore[attr-defined]
    return 201, created


def _person(request: HttpRequest, person_id: int) -> Person:
    rows = Person.objects.restrict(request.user, "person.view", request=request)
    return get_object_or_404(rows.select_related("user"), pk=person_id)


@router.get("/people/{person_id}", response=PersonOut, summary="One person")
def person(request: HttpRequest, person_id: int) -> Person:
    return _person(request, person_id)


@router.get("/grants", response=list[GrantOut], summary="Grants you may see")
def grants(request: HttpRequest, person_id: int | None = None, active: bool | None = None) -> Any:
    require(request.user, "grant.view", request=request)
    rows = Grant.objects.restrict(request.user, "grant.view", request=request).select_related(
        "person__user", "account"
    )
    if person_id is not None:
        rows = rows.filter(person_id=person_id)
    if active is True:
        rows = rows.active()
    return list(rows)


class GrantIn(Schema):
    role: str
    account_id: int | None = None
    reason: str
    expires_at: dt.datetime | None = None


@router.post("/people/{person_id}/grants", response={201: GrantOut}, summary="Grant a role")
def grant(request: HttpRequest, person_id: int, payload: GrantIn) -> tuple[int, Grant]:
    require_write(request)
    target = _person(request, person_id)
    require(request.user, "grant.create", target, request=request)
    require_recent_auth(request)
    account = None
    if payload.account_id is not None:
        account = PlatformAccount.objects.filter(pk=payload.account_id).first()
        if account is None:
            raise FieldError(
                [("body.account_id", f"no platform account has id {payload.account_id}")]
            )
    try:
        created = services.grant_role(
            request.user,
            target,
            payload.role,
            reason=payload.reason,
            account=account,
            expires_at=payload.expires_at,
        )
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    return 201, created


class ReasonIn(Schema):
    reason: str


@router.post("/grants/{grant_id}/revoke", response=GrantOut, summary="Revoke a grant")
def revoke_grant(request: HttpRequest, grant_id: int, payload: ReasonIn) -> Grant:
    require_write(request)
    rows = Grant.objects.restrict(request.user, "grant.view", request=request)
    found = get_object_or_404(rows.select_related("person__user", "account"), pk=grant_id)
    require(request.user, "grant.revoke", found, request=request)
    require_recent_auth(request)
    try:
        return services.revoke_grant(request.user, found, reason=payload.reason)
    except services.RegistryError as exc:
        raise _service_error(exc) from None


class OffboardOut(Schema):
    person: str
    grants_revoked: int
    sessions_ended: int
    tokens_revoked: int
    accounts_flagged: list[str]


@router.post("/people/{person_id}/offboard", response=OffboardOut, summary="Offboard a person")
def offboard(request: HttpRequest, person_id: int, payload: ReasonIn) -> Any:
    require_write(request)
    target = _person(request, person_id)
    require(request.user, "person.offboard", target, request=request)
    require_recent_auth(request)
    try:
        return services.offboard(request.user, target, reason=payload.reason)
    except services.RegistryError as exc:
        raise _service_error(exc) from None


# --- platform accounts and posture -------------------------------------------------------------


class FindingOut(Schema):
    id: str
    severity: str
    field: str
    message: str
    fix: str


class AccountOut(Schema):
    id: int
    platform: str
    handle: str
    url: str
    login_email: str
    recovery_email: str
    recovery_phone: str
    keeper_role: str
    keeper_id: int | None
    mfa_method: str
    last_rotation: dt.date | None
    needs_rotation: bool
    rotation_reason: str
    score: int | None = None
    findings: list[FindingOut] = Field(default_factory=list)


def _with_posture(account: PlatformAccount) -> dict[str, Any]:
    data = {
        name: getattr(account, name) for name in AccountOut.model_fields if hasattr(account, name)
    }
    data["id"] = account.pk
    data["keeper_id"] = account.keeper_id
    policy = active_policy()
    if policy is not None:
        report = posture.posture_for(account, policy)
        data["score"] = report.score
        data["findings"] = [
            {
                "id": f.id,
                "severity": f.severity,
                "field": f.field,
                "message": f.message,
                "fix": f.fix,
            }
            for f in report.findings
        ]
    return data


def _accounts(request: HttpRequest) -> Any:
    return PlatformAccount.objects.restrict(
        request.user, "account.view", request=request
    ).select_related("keeper__user")


@router.get("/accounts", response=list[AccountOut], summary="Platform accounts with findings")
def accounts(request: HttpRequest) -> list[dict[str, Any]]:
    require(request.user, "account.view", request=request)
    return [_with_posture(a) for a in _accounts(request)]


@router.get("/accounts/{account_id}", response=AccountOut, summary="One platform account")
def account(request: HttpRequest, account_id: int) -> dict[str, Any]:
    return _with_posture(get_object_or_404(_accounts(request), pk=account_id))


class AccountIn(Schema):
    platform: str
    handle: str
    url: str = ""
    login_email: str = ""
    recovery_email: str = ""
    recovery_phone: str = ""
    keeper_role: str = ""
    keeper_id: int | None = None
    mfa_method: str = "none"
    last_rotation: dt.date | None = None


class AccountPatch(Schema):
    platform: str | None = None
    handle: str | None = None
    url: str | None = None
    login_email: str | None = None
    recovery_email: str | None = None
    recovery_phone: str | None = None
    keeper_role: str | None = None
    keeper_id: int | None = None
    mfa_method: str | None = None
    last_rotation: dt.date | None = None


def _account_values(values: dict[str, Any]) -> dict[str, Any]:
    if "keeper_id" in values:
        keeper_id = values.pop("keeper_id")
        keeper = None
        if keeper_id is not None:
            keeper = Person.objects.filter(pk=keeper_id, status=Person.Status.ACTIVE).first()
            if keeper is None:
                raise FieldError([("body.keeper_id", f"no active team member has id {keeper_id}")])
        values["keeper"] = keeper
    return values


@router.post("/accounts", response={201: AccountOut}, summary="Add a platform account")
def create_account(request: HttpRequest, payload: AccountIn) -> tuple[int, dict[str, Any]]:
    require_write(request)
    require(request.user, "account.create", request=request)
    try:
        created = services.create_account(request.user, **_account_values(payload.dict()))
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    return 201, _with_posture(created)


@router.patch("/accounts/{account_id}", response=AccountOut, summary="Change a platform account")
def update_account(request: HttpRequest, account_id: int, payload: AccountPatch) -> dict[str, Any]:
    require_write(request)
    found = get_object_or_404(_accounts(request), pk=account_id)
    require(request.user, "account.change", found, request=request)
    values = _account_values(payload.dict(exclude_unset=True))
    try:
        changed = services.update_account(request.user, found, **values)
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    return _with_posture(changed)


class RotationIn(Schema):
    when: dt.date | None = None


@router.post(
    "/accounts/{account_id}/rotation", response=AccountOut, summary="Record a credential rotation"
)
def record_rotation(request: HttpRequest, account_id: int, payload: RotationIn) -> dict[str, Any]:
    require_write(request)
    found = get_object_or_404(_accounts(request), pk=account_id)
    require(request.user, "account.rotate", found, request=request)
    try:
        changed = services.record_rotation(request.user, found, when=payload.when)
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    return _with_posture(changed)


class PostureOut(Schema):
    organization_score: int | None
    accounts: list[AccountOut]


@router.get("/posture", response=PostureOut, summary="Posture per account and for the organization")
def posture_summary(request: HttpRequest) -> dict[str, Any]:
    require(request.user, "posture.view", request=request)
    rows = [_with_posture(a) for a in _accounts(request)]
    scores = [r["score"] for r in rows if r.get("score") is not None]
    return {
        "organization_score": sum(scores) // len(scores) if scores else None,
        "accounts": rows,
    }


# --- directory ---------------------------------------------------------------------------------


class EntryOut(Schema):
    id: int
    name: str
    preferred_name: str
    department: str
    title: str
    email: str | None
    phone: str
    office: str
    team: str
    participant: bool
    consent_date: dt.date | None
    work_handle: str


class DirectoryQuery(Schema):
    q: str = ""
    limit: int = 100
    offset: int = 0


@router.get("/directory", response=list[EntryOut], summary="Employee directory entries")
def directory(request: HttpRequest, query: Query[DirectoryQuery]) -> Any:
    require(request.user, "directory.view", request=request)
    if not 1 <= query.limit <= 1000:
        raise FieldError([("query.limit", "use a number from 1 to 1000")])
    rows = DirectoryEntry.objects.restrict(request.user, "directory.view", request=request)
    if query.q:
        rows = rows.filter(name__icontains=query.q)
    return list(rows[query.offset : query.offset + query.limit])


class ImportIn(Schema):
    csv: str
    source: str = "api upload"
    skip_invalid: bool = False


class ImportOut(Schema):
    source: str
    created: int
    updated: int
    unchanged: int
    skipped_rows: list[int]
    summary: str


@router.post("/directory/import", response=ImportOut, summary="Import the directory from CSV text")
def directory_import(request: HttpRequest, payload: ImportIn) -> dict[str, Any]:
    require_write(request)
    require(request.user, "directory.import", request=request)
    try:
        report = services.import_directory(
            request.user,
            payload.csv,
            source=payload.source[:200],
            skip_invalid=payload.skip_invalid,
        )
    except services.DirectoryImportError as exc:
        raise FieldError(
            (
                (
                    f"body.csv:row {e.row}" + (f":{e.field}" if e.field else ""),
                    f"{e.reason} (accepted: {e.accepted})",
                )
                for e in exc.errors
            ),
            detail=f"{len(exc.errors)} error(s) in the file; nothing was imported",
        ) from None
    except services.RegistryError as exc:
        raise _service_error(exc) from None
    return {
        "source": report.source,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "skipped_rows": sorted({e.row for e in report.skipped}),
        "summary": report.summary(),
    }


# --- devices -----------------------------------------------------------------------------------


class DeviceOut(Schema):
    id: int
    name: str
    owner: str | None
    enrolled_by_name: str
    enrolled_at: dt.datetime
    last_seen_at: dt.datetime | None
    revoked_at: dt.datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_owner(obj: Device) -> str | None:
        return str(obj.owner) if obj.owner_id else None


@router.get("/devices", response=list[DeviceOut], summary="Enrolled and revoked devices")
def devices(request: HttpRequest) -> Any:
    require(request.user, "device.view", request=request)
    rows = Device.objects.restrict(request.user, "device.view", request=request)
    return list(rows.select_related("owner__user"))

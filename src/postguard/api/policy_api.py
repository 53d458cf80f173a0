"""Policy versions over the API: list, read, propose (errors with line and column), approve."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from postguard.api.auth import require_recent_auth, require_write
from postguard.api.errors import FieldError
from postguard.core.permissions import can, require
from postguard.policy import versions
from postguard.policy.loader import PolicyError
from postguard.policy.models import PolicyVersion

router = Router(tags=["policy"])


class VersionOut(Schema):
    id: int
    number: int
    state: str
    summary: str
    sha256: str
    author_name: str
    created_at: dt.datetime
    approved_by_name: str
    approved_at: dt.datetime | None
    based_on_number: int | None
    diff: str
    yaml_text: str

    @staticmethod
    def resolve_based_on_number(obj: PolicyVersion) -> int | None:
        return obj.based_on.number if obj.based_on is not None else None


class ProposeIn(Schema):
    yaml_text: str
    summary: str = ""


class DecideIn(Schema):
    reason: str = ""


@router.get("/versions", response=list[VersionOut], summary="Every policy version, newest first")
def list_versions(request: HttpRequest) -> list[PolicyVersion]:
    require(request.user, "policy.view", request=request)
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    return list(rows.select_related("based_on"))


@router.get("/active", response=VersionOut, summary="The active policy version")
def active(request: HttpRequest) -> PolicyVersion:
    require(request.user, "policy.view", request=request)
    found = versions.active_version()
    if found is None:
        raise HttpError(404, "no policy is active yet; propose one and have a lead approve it")
    return found


@router.get("/versions/{version_id}", response=VersionOut, summary="One policy version")
def get_version(request: HttpRequest, version_id: int) -> PolicyVersion:
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    return get_object_or_404(rows, pk=version_id)


@router.post("/versions", response={201: VersionOut}, summary="Propose a new policy version")
def propose(request: HttpRequest, payload: ProposeIn) -> tuple[int, PolicyVersion]:
    require_write(request)
    require(request.user, "policy.propose", request=request)
    try:
        created = versions.propose(request.user, payload.yaml_text, payload.summary)
    except PolicyError as exc:
        raise FieldError(
            (
                (
                    f"body.yaml_text:{e.line}:{e.column}" + (f" {e.path}" if e.path else ""),
                    e.message + (f" (accepted: {e.accepted})" if e.accepted else ""),
                )
                for e in exc.errors
            ),
            detail="the policy is not valid; nothing was stored",
        ) from None
    except versions.PolicyVersionError as exc:
        raise FieldError([("body.yaml_text", str(exc))], detail=str(exc)) from None
    return 201, created


@router.post(
    "/versions/{version_id}/approve", response=VersionOut, summary="Approve and activate a version"
)
def approve(request: HttpRequest, version_id: int, payload: DecideIn) -> PolicyVersion:
    require_write(request)
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    found = get_object_or_404(rows, pk=version_id)
    if not can(request.user, "policy.approve", found, request=request):
        raise PermissionDenied("your roles do not allow approving this policy version")
    require_recent_auth(request)
    try:
        return versions.approve(request.user, found, payload.reason)
    except versions.PolicyVersionError as exc:
        raise HttpError(409, str(exc)) from None


@router.post("/versions/{version_id}/reject", response=VersionOut, summary="Reject a proposal")
def reject(request: HttpRequest, version_id: int, payload: DecideIn) -> PolicyVersion:
    require_write(request)
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    found = get_object_or_404(rows, pk=version_id)
    require(request.user, "policy.reject", found, request=request)
    if not payload.reason.strip():
        raise FieldError([("body.reason", "give a reason, so the author knows what to change")])
    try:
        return versions.reject(request.user, found, payload.reason)
    except versions.PolicyVersionError as exc:
        raise HttpError(409, str(exc)) from None

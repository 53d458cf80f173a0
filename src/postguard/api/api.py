"""The API object: authentication, error format, and the routers for each area."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import NinjaAPI, Router, Schema

from postguard.api import errors
from postguard.api.archive_api import router as archive_router
from postguard.api.audit_api import router as audit_router
from postguard.api.auth import SessionAuth, TokenAuth
from postguard.api.connections_api import router as connections_router
from postguard.api.deliveries_api import router as deliveries_router
from postguard.api.models import ApiToken
from postguard.api.policy_api import router as policy_router
from postguard.api.posts_api import router as posts_router
from postguard.api.publishing_api import router as publishing_router
from postguard.api.registry_api import router as registry_router
from postguard.api.tokens import revoke_token
from postguard.api.vet_api import router as vet_router
from postguard.core.permissions import held_roles, require
from postguard.web.security import current_user

api = NinjaAPI(
    title="Postguard API",
    version="1",
    description="The organization registry, policy as code, the audit log and vetting. "
    "Authenticate with a personal token (Authorization: Bearer pgt_...) or the web session. "
    "Every endpoint applies the same permission rules as the web app.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)

me_router = Router(tags=["me"])


class GrantOut(Schema):
    role: str
    account_id: int | None


class MeOut(Schema):
    email: str
    name: str
    roles: list[GrantOut]
    token_scope: str | None


@me_router.get("/me", response=MeOut, summary="Who the request runs as, with their roles")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    token: ApiToken | None = getattr(request, "api_token", None)
    return MeOut(
        email=user.email,  # type: ignore[union-attr]
        name=str(user),
        roles=[GrantOut(role=r, account_id=a) for r, a in held_roles(user)],
        token_scope=token.scope if token is not None else None,
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scope: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


@me_router.get("/tokens", response=list[TokenOut], summary="My API tokens (never the secrets)")
def list_tokens(request: HttpRequest) -> list[ApiToken]:
    require(request.user, "token.manage_own")
    return list(ApiToken.objects.filter(user=current_user(request)))


@me_router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke one of my tokens")
def revoke(request: HttpRequest, token_id: int) -> ApiToken:
    require(request.user, "token.manage_own")
    token = get_object_or_404(ApiToken, pk=token_id, user=current_user(request))
    revoke_token(token, request.user)
    return token


api.add_router("/", me_router)
api.add_router("/", registry_router)
api.add_router("/policy", policy_router)
api.add_router("/audit", audit_router)
api.add_router("/", vet_router)
api.add_router("/", posts_router)
api.add_router("/", publishing_router)
api.add_router("/", archive_router)
api.add_router("/", connections_router)
api.add_router("/", deliveries_router)

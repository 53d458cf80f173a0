"""Every API error is JSON: {"detail": "...", "errors": [{"field": "body.text", "message": "..."}]}
(`errors` only when a field is to blame)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("postguard.api")


class FieldError(Exception):
    """A request that is well-formed JSON but wrong: each error names its field and what to do."""

    def __init__(self, errors: Iterable[tuple[str, str]], detail: str = "invalid input") -> None:
        self.errors = [{"field": field, "message": message} for field, message in errors]
        self.detail = detail
        super().__init__(detail)


def _field_path(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, detail: str, **extra: Any) -> HttpResponse:
        return api.create_response(request, {"detail": detail, **extra}, status=status)

    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = [
            {"field": _field_path(e.get("loc", ())), "message": str(e.get("msg", "invalid"))}
            for e in exc.errors
        ]
        return respond(request, 422, "the request does not match the schema", errors=errors)

    @api.exception_handler(FieldError)
    def field_error(request: HttpRequest, exc: FieldError) -> HttpResponse:
        return respond(request, 400, exc.detail, errors=exc.errors)

    @api.exception_handler(DjangoValidationError)
    def django_validation(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        errors: list[dict[str, str]] = []
        if hasattr(exc, "error_dict"):
            mapping: Mapping[str, Any] = exc.message_dict
            for field, messages in mapping.items():
                errors += [{"field": f"body.{field}", "message": m} for m in messages]
        else:
            errors = [{"field": "body", "message": m} for m in exc.messages]
        return respond(request, 400, "invalid input", errors=errors)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request, 401, "sign in or send 'Authorization: Bearer <token>' with a valid API token"
        )

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, str(exc) or "your roles do not allow this")

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not found, or not visible to you")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, str(exc))

    @api.exception_handler(Exception)
    def crash(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path)
        return respond(request, 500, "internal error; it has been logged")

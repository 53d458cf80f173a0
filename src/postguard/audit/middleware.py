"""Gives each web request an id that every audit event recorded while serving it shares."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from postguard.audit.log import audit_context, new_request_id

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Sets `request.audit_request_id`, the audit context, and the X-Request-ID response header.

    The id is always generated here, never taken from the client, so a client cannot make its
    requests' events look like another request's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id()
        request.audit_request_id = request_id  # type: ignore[attr-defined]
        with audit_context(request_id=request_id, request=request):
            response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response

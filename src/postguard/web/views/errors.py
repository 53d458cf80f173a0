"""Friendly error pages: what happened and what to do, never a stack trace."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": text, "code": str(status)}, status=status)
    context = {"status": status, "title": title, "text": text}
    return render(request, "web/error.html", context, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        "That request could not be understood",
        "Something in the request was malformed. Go back, reload the page and try again.",
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        "You do not have access to this",
        "Your roles do not allow this page or action. If you need it, ask your team "
        "lead for a grant; every grant has an owner and a reason.",
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        "Page not found",
        "There is nothing at this address, or it is not visible to you.",
    )


def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request context: whatever failed may fail again in a processor.
    from django.template import loader

    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse(
            {"detail": "Internal error; it has been logged.", "code": "500"}, status=500
        )
    body = loader.get_template("500.html").render()
    return HttpResponse(body, status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(
        request,
        403,
        "This form expired",
        "The form was open too long or came from another site. Reload the page and "
        "submit it again.",
    )

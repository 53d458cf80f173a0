"""The dashboard and the MFA gate page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from postguard.web.security import needs_mfa_setup


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    from postguard.web.views.posture import dashboard_context

    return render(request, "web/dashboard.html", dashboard_context(request))


@login_required
def mfa_required_page(request: HttpRequest) -> HttpResponse:
    if not needs_mfa_setup(request.user):
        return redirect("web:dashboard")
    return render(request, "web/mfa_required.html", status=403)

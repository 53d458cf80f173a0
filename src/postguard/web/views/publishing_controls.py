"""Publishing controls: the pause switch (organization and per account, with a reason and a
confirm step), resuming with a note, and the integrity watch's alerts with acknowledgement."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from postguard.core.permissions import can, require
from postguard.publishing import integrity
from postguard.publishing.integrity import AlertError
from postguard.publishing.models import Connection, IntegrityAlert, Pause
from postguard.publishing.pause import PauseError, describe, pause, resume, scope_of
from postguard.registry.models import PlatformAccount
from postguard.web.forms import add_service_error
from postguard.web.security import sensitive
from postguard.workflow.models import Post, State


class PauseForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,  # the service's message says what a blank reason lacks
        help_text="Why publishing stops, e.g. 'suspected account takeover'. The team sees it; "
        "the audit log keeps it.",
    )


class ResumeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        help_text="What was done before resuming (optional; kept in the audit log).",
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,  # the service's message says what a blank note lacks
        help_text="What you found and what you did.",
    )


# --- what a user may see -------------------------------------------------------------------------


def visible_pauses(request: HttpRequest) -> Any:
    """Pauses of the accounts this user may see, and the organization's (which stop them too)."""
    user = request.user
    if not can(user, "account.view", request=request):
        return Pause.objects.none()
    accounts = PlatformAccount.objects.restrict(user, "account.view", request=request)
    return Pause.objects.filter(
        Q(account__isnull=True) | Q(account__in=accounts.values("pk"))
    ).select_related("account")


def visible_alerts(request: HttpRequest) -> Any:
    return IntegrityAlert.objects.restrict(
        request.user, "integrity.view", request=request
    ).select_related("account", "delivery")


def watch_context(request: HttpRequest) -> dict[str, Any]:
    """Open alerts, broken connections and failed checks of the accounts this user watches."""
    if not can(request.user, "integrity.view", request=request):
        return {"can_view_alerts": False}
    watched = PlatformAccount.objects.restrict(request.user, "integrity.view", request=request)
    connections = Connection.objects.filter(account__in=watched.values("pk")).select_related(
        "account"
    )
    failed = []
    for connection in connections:
        check = integrity.last_check(connection.account_id)
        if check is not None and check.state == check.State.FAILED:
            failed.append({"account": connection.account, "job": check})
    return {
        "can_view_alerts": True,
        "open_alerts": list(visible_alerts(request).open()[:50]),
        "broken": [c for c in connections if c.broken_reason],
        "failed_checks": failed,
        "can_acknowledge": can(request.user, "integrity.acknowledge", request=request),
        "meaning": {kind.value: text for kind, text in integrity.MEANING.items()},
    }


def pause_context(request: HttpRequest, account: PlatformAccount | None) -> dict[str, Any]:
    """The switch for one scope: its active pause, and what this user may do about it."""
    rows = Pause.objects.active()
    active = rows.filter(account=account).first() if account else rows.filter(account=None).first()
    organization = None if account is None else rows.filter(account=None).first()
    return {
        "visible": can(request.user, "account.view", account, request=request),
        "scope": scope_of(account),
        "account": account,
        "active": active,
        "active_line": describe(active) if active else "",
        "organization_pause": organization,
        "can_pause": can(request.user, "publishing.pause", account, request=request),
        "can_resume": active is not None
        and can(request.user, "publishing.resume", active, request=request),
    }


# --- the controls page --------------------------------------------------------------------------


@login_required
def controls(request: HttpRequest) -> HttpResponse:
    require(request.user, "account.view", request=request)
    pauses = visible_pauses(request)
    return render(
        request,
        "web/publishing/controls.html",
        {
            "switch": pause_context(request, None),
            "active_pauses": list(pauses.filter(resumed_at__isnull=True)),
            "past_pauses": list(pauses.filter(resumed_at__isnull=False)[:50]),
            "can_resume": can(request.user, "publishing.resume", request=request),
            **watch_context(request),
        },
    )


# --- pause and resume -----------------------------------------------------------------------------


def _held(account: PlatformAccount | None) -> int:
    rows = Post.objects.filter(state__in=(State.SCHEDULED, State.PUBLISHING))
    if account is not None:
        rows = rows.filter(targets=account)
    return rows.distinct().count()


def _pause_page(request: HttpRequest, account: PlatformAccount | None) -> HttpResponse:
    require(request.user, "publishing.pause", account, request=request)
    back = reverse("web:account", args=[account.pk]) if account else reverse("web:publishing")
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            paused = pause(request.user, account, form.cleaned_data["reason"], request=request)
        except PauseError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"Publishing to {scope_of(account)} is paused: no post goes out until someone "
                f"resumes it (pause {paused.pk}).",
            )
            return redirect(back)
    scope = scope_of(account)
    held = _held(account)
    return render(
        request,
        "web/confirm.html",
        {
            "form": form,
            "heading": f"Pause publishing to {scope}",
            "consequences": [
                f"stop every platform call to {scope} until someone resumes it",
                f"hold back the {held} scheduled or publishing post{'s' if held != 1 else ''} "
                "it covers now, and any scheduled later",
                "on resume: publish what is still inside its window and send the rest back "
                "to review",
            ],
            "submit_label": "Pause publishing",
            "cancel_url": back,
        },
        status=400 if form.errors else 200,
    )


@login_required
def pause_organization(request: HttpRequest) -> HttpResponse:
    return _pause_page(request, None)


@login_required
def pause_account(request: HttpRequest, pk: int) -> HttpResponse:
    accounts = PlatformAccount.objects.restrict(request.user, "account.view", request=request)
    return _pause_page(request, get_object_or_404(accounts, pk=pk))


@login_required
@sensitive
def resume_pause(request: HttpRequest, pk: int) -> HttpResponse:
    held = get_object_or_404(visible_pauses(request), pk=pk)
    require(request.user, "publishing.resume", held, request=request)
    back = reverse("web:publishing")
    if held.resumed_at is not None:
        messages.info(request, f"Pause {held.pk} was already resumed by {held.resumed_by_name}.")
        return redirect(back)
    form = ResumeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = resume(request.user, held, form.cleaned_data["note"], request=request)
        except PauseError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, result.summary()[:1].upper() + result.summary()[1:] + ".")
            return redirect(back)
    now = timezone.now()
    posts = Post.objects.filter(state=State.SCHEDULED)
    if held.account_id is not None:
        posts = posts.filter(targets=held.account_id)
    past = posts.filter(not_after__lte=now).distinct().count()
    inside = posts.distinct().count() - past
    return render(
        request,
        "web/confirm.html",
        {
            "form": form,
            "heading": f"Resume publishing to {scope_of(held.account)}",
            "consequences": [
                f"end the pause: {describe(held)}",
                f"publish the {inside} scheduled post{'s' if inside != 1 else ''} still inside "
                "their window (unless another pause covers them)",
                f"send the {past} whose window closed back to review, their approvals voided",
            ],
            "submit_label": "Resume publishing",
            "cancel_url": back,
        },
        status=400 if form.errors else 200,
    )


# --- integrity alerts ----------------------------------------------------------------------------


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    require(request.user, "integrity.view", request=request)
    return render(
        request,
        "web/publishing/alerts.html",
        {
            **watch_context(request),
            "acknowledged": list(
                visible_alerts(request).filter(acknowledged_at__isnull=False)[:50]
            ),
        },
    )


@login_required
def acknowledge_alert(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(visible_alerts(request), pk=pk)
    require(request.user, "integrity.acknowledge", alert, request=request)
    back = reverse("web:integrity_alerts")
    form = AcknowledgeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            integrity.acknowledge(request.user, alert, form.cleaned_data["note"], request=request)
        except AlertError as exc:
            add_service_error(form, exc)
        else:
            form = AcknowledgeForm()
            messages.success(request, f"Alert {alert.pk} acknowledged.")
            if not request.headers.get("HX-Request"):
                return redirect(back)
    if request.method == "POST" and request.headers.get("HX-Request"):
        # The inline form on the alert list: swap the alert in place, with any error beside it
        # (htmx swaps only 2xx answers, so an error is shown with 200 and role="alert").
        return render(
            request,
            "web/publishing/alert_row.html",
            {"alert": alert, "form": form, "can_acknowledge": True, "messages_inline": True},
        )
    return render(
        request,
        "web/confirm.html",
        {
            "form": form,
            "heading": f"Acknowledge alert {alert.pk}: {alert.get_kind_display()}",
            "consequences": [
                f"{integrity.MEANING[IntegrityAlert.Kind(alert.kind)]} ({alert.account})",
                f"the post: {alert.url or alert.remote_id}",
                "close the alert with your note (kept in the audit log)",
            ],
            "submit_label": "Acknowledge",
            "cancel_url": back,
        },
        status=400 if form.errors else 200,
    )

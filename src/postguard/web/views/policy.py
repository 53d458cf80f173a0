"""Policy as code in the browser: the active version, proposals with line-numbered errors,
diffs, and approval by a lead other than the author (after re-authentication)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from postguard.core.permissions import can, require
from postguard.policy import versions
from postguard.policy.loader import MAX_POLICY_BYTES, PolicyError, PolicyIssue
from postguard.policy.models import PolicyVersion
from postguard.web.security import sensitive


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request.user, "policy.view", request=request)
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    return render(
        request,
        "web/policy/index.html",
        {
            "active": versions.active_version(),
            "versions": rows,
            "can_propose": can(request.user, "policy.propose", request=request),
        },
    )


def diff_lines(diff: str) -> list[tuple[str, str]]:
    lines = []
    for line in diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "meta"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = ""
        lines.append((kind, line))
    return lines


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    found = get_object_or_404(rows, pk=pk)
    return render(
        request,
        "web/policy/version.html",
        {
            "version": found,
            "diff_lines": diff_lines(found.diff),
            "can_approve": can(request.user, "policy.approve", found, request=request),
            "can_reject": can(request.user, "policy.reject", found, request=request),
            "is_author": found.author_id == request.user.pk,
        },
    )


class ProposeForm(forms.Form):
    text = forms.CharField(
        label="Policy YAML",
        required=False,
        widget=forms.Textarea(attrs={"rows": 20, "spellcheck": "false"}),
        help_text="Paste the whole policy; or upload a file below.",
    )
    upload = forms.FileField(label="Or upload a YAML file", required=False)
    summary = forms.CharField(
        max_length=500, required=False, help_text="One line: what changes and why."
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("upload")
        if upload is not None:
            if upload.size > MAX_POLICY_BYTES:
                raise forms.ValidationError(
                    f"The file is {upload.size} bytes; a policy may be at most "
                    f"{MAX_POLICY_BYTES} bytes."
                )
            raw = upload.read()
            try:
                data["text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw.count(b"\n", 0, exc.start) + 1
                raise forms.ValidationError(
                    f"The file is not UTF-8 (line {line}); save it as UTF-8 and upload again."
                ) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError("Paste the policy YAML or choose a file to upload.")
        return data


@login_required
def propose(request: HttpRequest) -> HttpResponse:
    require(request.user, "policy.propose", request=request)
    errors: list[PolicyIssue] = []
    if request.method == "POST":
        form = ProposeForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                created = versions.propose(
                    request.user, form.cleaned_data["text"], form.cleaned_data["summary"]
                )
            except PolicyError as exc:
                errors = exc.errors
            except versions.PolicyVersionError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request, f"Version {created.number} is proposed; another lead must approve it."
                )
                return redirect("web:policy_version", pk=created.pk)
    else:
        active = versions.active_version()
        form = ProposeForm(initial={"text": active.yaml_text if active else ""})
    issues = [
        {
            "line": e.line,
            "column": e.column,
            "message": f"{e.path + ': ' if e.path else ''}{e.message}"
            + (f" (accepted: {e.accepted})" if e.accepted else ""),
        }
        for e in errors
    ]
    return render(
        request,
        "web/policy/propose.html",
        {"form": form, "errors": issues},
        status=400 if errors or form.errors else 200,
    )


class ApproveForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        required=False,
        label="Note (optional)",
        help_text="Recorded in the audit log with your approval.",
    )


@login_required
@sensitive
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    found = get_object_or_404(rows, pk=pk)
    require(request.user, "policy.approve", found, request=request)
    form = ApproveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            versions.approve(request.user, found, form.cleaned_data["reason"])
        except versions.PolicyVersionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Policy version {found.number} is now active.")
            return redirect("web:policy")
    return render(
        request,
        "web/confirm.html",
        {
            "heading": f"Approve policy version {found.number}",
            "consequences": [
                f"make version {found.number} the organization's active policy at once",
                "supersede the version active now (it stays in the history)",
                "record your approval in the audit log",
            ],
            "form": form,
            "submit_label": "Approve and activate",
            "cancel_url": f"/policy/versions/{found.pk}/",
        },
    )


@login_required
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    rows = PolicyVersion.objects.restrict(request.user, "policy.view", request=request)
    found = get_object_or_404(rows, pk=pk)
    require(request.user, "policy.reject", found, request=request)
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, "Give a reason for rejecting, so the author knows what to change.")
        return redirect("web:policy_version", pk=found.pk)
    try:
        versions.reject(request.user, found, reason)
    except versions.PolicyVersionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Policy version {found.number} is rejected.")
    return redirect("web:policy_version", pk=found.pk)

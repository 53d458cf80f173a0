"""Posts in the browser: compose with vetting as you type, the review queue, and the post page
(findings, overrides, approvals, comments, version diff, timeline). Every action goes through
the workflow services, so the same `can()` rules and policy apply as in the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from postguard.audit.models import AuditEvent
from postguard.core.permissions import can, require
from postguard.registry.models import PlatformAccount
from postguard.web.forms import add_service_error
from postguard.workflow import services
from postguard.workflow.machine import EDITABLE, WorkflowError
from postguard.workflow.models import Post, PostVersion, State
from postguard.workflow.vetting import vet_text

MAX_NEW_IMAGES = 4


class ComposeForm(forms.Form):
    text = forms.CharField(
        label="Post text",
        required=False,
        max_length=services.MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Findings appear beside the text as you type.",
    )
    targets = forms.ModelMultipleChoiceField(
        label="Post to",
        queryset=PlatformAccount.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    not_before = forms.DateTimeField(
        label="Publish at (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="Leave empty to publish as soon as it is approved and scheduled.",
    )
    not_after = forms.DateTimeField(
        label="Still publish until (UTC)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text="After this the approval lapses and the post goes back to review.",
    )

    def __init__(self, *args: Any, user: Any, request: HttpRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets = self.fields["targets"]
        assert isinstance(targets, forms.ModelMultipleChoiceField)
        targets.queryset = PlatformAccount.objects.restrict(user, "post.draft", request=request)
        for index in range(1, MAX_NEW_IMAGES + 1):
            self.fields[f"image_{index}"] = forms.ImageField(label=f"Image {index}", required=False)
            self.fields[f"alt_{index}"] = forms.CharField(
                label=f"Alt text for image {index}", required=False, max_length=2000
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("not_before", "not_after"):
            value = data.get(name)
            if value is not None and timezone.is_naive(value):
                data[name] = value.replace(tzinfo=dt.UTC)
        return data


def highlight(text: str, findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The text cut into plain and flagged pieces (overlapping findings: the first one wins)."""
    spans = sorted(
        (f for f in findings if f.get("image") is None and f["end"] > f["start"]),
        key=lambda f: (f["start"], -f["end"]),
    )
    pieces: list[dict[str, Any]] = []
    at = 0
    for finding in spans:
        if finding["start"] < at:
            continue
        if finding["start"] > at:
            pieces.append({"text": text[at : finding["start"]], "finding": None})
        pieces.append({"text": text[finding["start"] : finding["end"]], "finding": finding})
        at = finding["end"]
    if at < len(text):
        pieces.append({"text": text[at:], "finding": None})
    return pieces


def _visible(request: HttpRequest, pk: int) -> Post:
    rows = Post.objects.restrict(request.user, "post.view", request=request)
    return get_object_or_404(rows, pk=pk)


@login_required
def post_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "post.view", request=request)
    rows = Post.objects.restrict(request.user, "post.view", request=request).select_related(
        "current_version"
    )
    queue = [p for p in rows.filter(state=State.IN_REVIEW) if p.author_id != request.user.pk]
    mine = rows.filter(author_id=request.user.pk).exclude(state=State.WITHDRAWN)
    return render(
        request,
        "web/posts/list.html",
        {
            "queue": queue,
            "mine": mine,
            "everything": rows[:100],
            "can_draft": can(request.user, "post.draft", request=request),
        },
    )


def _content(form: ComposeForm, keep: list[services.ImageUpload]) -> services.Content:
    data = form.cleaned_data
    images = list(keep)
    for index in range(1, MAX_NEW_IMAGES + 1):
        upload = data.get(f"image_{index}")
        if upload:
            images.append(
                services.ImageUpload(
                    alt=data.get(f"alt_{index}", ""), name=upload.name, data=upload.read()
                )
            )
    return services.Content(
        text=data.get("text", ""),
        account_ids=[a.pk for a in data["targets"]],
        not_before=data.get("not_before"),
        not_after=data.get("not_after"),
        images=images,
    )


def _kept_images(request: HttpRequest, version: PostVersion | None) -> list[services.ImageUpload]:
    if version is None:
        return []
    return [
        services.ImageUpload(
            alt=request.POST.get(f"keep_alt_{image.sha256}", image.alt),
            name=image.name,
            sha256=image.sha256,
        )
        for image in version.images.all()
        if not request.POST.get(f"remove_{image.sha256}")
    ]


def _compose(request: HttpRequest, post: Post | None) -> HttpResponse:
    version = post.current_version if post is not None else None
    if request.method == "POST":
        form = ComposeForm(request.POST, request.FILES, user=request.user, request=request)
        if form.is_valid():
            content = _content(form, _kept_images(request, version))
            try:
                if post is None:
                    post = services.create_post(request.user, content, request=request)
                    messages.success(request, "Draft saved.")
                else:
                    made = services.edit_post(post, request.user, content, request=request)
                    messages.success(request, f"Saved as version {made.number}.")
            except WorkflowError as exc:
                add_service_error(form, exc)
            else:
                if request.POST.get("and_submit"):
                    return _do(
                        request,
                        post,
                        lambda: services.submit(post, request.user, request=request),
                        "Submitted: vetting runs now, then it goes to review.",
                    )
                return redirect("web:post", pk=post.pk)
    else:
        initial: dict[str, Any] = {}
        if version is not None:
            initial = {
                "text": version.text,
                "targets": version.account_ids,
                "not_before": version.not_before,
                "not_after": version.not_after,
            }
        form = ComposeForm(initial=initial, user=request.user, request=request)
    return render(
        request,
        "web/posts/compose.html",
        {
            "form": form,
            "post": post,
            "images": list(version.images.all()) if version else [],
            "heading": f"Edit post {post.pk}" if post else "New post",
        },
    )


@login_required
def compose(request: HttpRequest) -> HttpResponse:
    require(request.user, "post.draft", request=request)
    return _compose(request, None)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    require(request.user, "post.draft", post, request=request)
    return _compose(request, post)


@login_required
@require_POST
def preview(request: HttpRequest) -> HttpResponse:
    """htmx: the findings for the text as typed (nothing stored, nothing audited)."""
    require(request.user, "vet.run", request=request)
    text = request.POST.get("text", "")[: services.MAX_TEXT]
    ids = [int(i) for i in request.POST.getlist("targets") if i.isdigit()]
    report = vet_text(text, ids, author_email=getattr(request.user, "email", None))
    findings = report.to_dict()["findings"] if report is not None else None
    return render(
        request,
        "web/posts/findings.html",
        {
            "findings": findings,
            "verdict": report.verdict.value if report else None,
            "pieces": highlight(text, findings or []),
            "no_policy": report is None,
        },
    )


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    services.expire_if_stale(post)
    version = services.current(post)
    vetting = services.latest_vetting(version)
    findings = list(vetting.findings) if vetting else []
    overrides = list(post.overrides.filter(version=version))
    for finding in findings:
        finding["override"] = next((o for o in overrides if o.covers(finding)), None)
    user = request.user
    in_review = post.state == State.IN_REVIEW
    blocking, review = services.open_findings(post)
    versions = list(post.versions.order_by("-number"))
    timeline = AuditEvent.objects.filter(object_type="workflow.post", object_id=str(post.pk))
    return render(
        request,
        "web/posts/detail.html",
        {
            "post": post,
            "version": version,
            "images": list(version.images.all()),
            "vetting": vetting,
            "findings": findings,
            "pieces": highlight(version.text, findings),
            "blocking": blocking,
            "needs_override": review,
            "approvals": list(post.approvals.select_related("version")),
            "missing": services.missing_approvals(post) if in_review else [],
            "comments": list(post.comments.all()),
            "versions": versions,
            "diff": version.diff(versions[1]) if len(versions) > 1 else [],
            "timeline": timeline.order_by("seq"),
            "is_author": post.author_id == user.pk,
            "may": {
                "edit": post.state in EDITABLE and services.may(user, "post.draft", post, request),
                "submit": post.state == State.DRAFT
                and services.may(user, "post.submit", post, request),
                "approve": in_review
                and not blocking
                and not review
                and services.may(user, "post.approve", post, request),
                "request_changes": in_review and services.may(user, "post.approve", post, request),
                "override": in_review and services.may(user, "post.override", post, request),
                "comment": services.may(user, "post.comment", post, request),
                "schedule": post.state == State.APPROVED
                and services.may(user, "post.schedule", post, request),
                "withdraw": post.state in EDITABLE
                and post.state != State.FAILED
                and services.may(user, "post.draft", post, request),
            },
        },
    )


@login_required
def diff(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    numbers = {v.number: v for v in post.versions.all()}
    try:
        old = numbers[int(request.GET.get("from", "0"))]
        new = numbers[int(request.GET.get("to", "0"))]
    except (KeyError, ValueError):
        known = ", ".join(str(n) for n in sorted(numbers))
        messages.error(request, f"Choose two versions of post {post.pk} to compare: {known}.")
        return redirect("web:post", pk=post.pk)
    return render(
        request,
        "web/posts/diff.html",
        {"post": post, "old": old, "new": new, "diff": new.diff(old)},
    )


def _do(request: HttpRequest, post: Post, action: Any, done: str) -> HttpResponse:
    try:
        action()
    except WorkflowError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, done)
    return redirect("web:post", pk=post.pk)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    return _do(
        request,
        post,
        lambda: services.submit(post, request.user, request=request),
        "Submitted: vetting runs now, then it goes to review.",
    )


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    return _do(
        request,
        post,
        lambda: services.approve(post, request.user, request=request),
        "Approved. Your approval signs this exact version.",
    )


@login_required
@require_POST
def request_changes(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    reason = request.POST.get("reason", "")
    return _do(
        request,
        post,
        lambda: services.request_changes(post, request.user, reason, request=request),
        "Changes requested; the author sees your reason.",
    )


@login_required
@require_POST
def override(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    try:
        rule = request.POST["rule"]
        start, end = int(request.POST["start"]), int(request.POST["end"])
        image = int(request.POST["image"]) if request.POST.get("image") else None
    except (KeyError, ValueError):
        messages.error(request, "The override form was incomplete; choose the finding again.")
        return redirect("web:post", pk=post.pk)
    return _do(
        request,
        post,
        lambda: services.override(
            post,
            request.user,
            rule=rule,
            start=start,
            end=end,
            image=image,
            reason=request.POST.get("reason", ""),
            request=request,
        ),
        f"Override of {rule} recorded with your reason.",
    )


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    return _do(
        request,
        post,
        lambda: services.comment(post, request.user, request.POST.get("text", ""), request=request),
        "Comment added.",
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    return _do(
        request,
        post,
        lambda: services.withdraw(
            post, request.user, request.POST.get("reason", ""), request=request
        ),
        "Withdrawn.",
    )


@login_required
@require_POST
def schedule(request: HttpRequest, pk: int) -> HttpResponse:
    post = _visible(request, pk)
    return _do(
        request, post, lambda: services.schedule(post, request.user, request=request), "Scheduled."
    )

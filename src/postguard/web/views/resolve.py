"""Resolving an unconfirmed delivery by hand: the form on its own page (and, compact, in the post
page's Deliveries section). Lead and security only, after re-authentication; see
publishing/resolve.py."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from postguard.core.permissions import can, require
from postguard.publishing.models import Delivery
from postguard.publishing.resolve import ACTION, ResolveError, resolvable, resolve
from postguard.web.forms import add_service_error
from postguard.web.security import sensitive

FOUND = "found"
NOT_THERE = "not_there"


class ResolveForm(forms.Form):
    answer = forms.ChoiceField(
        label="What did you find on the platform?",
        choices=[
            (FOUND, "It is there (give its link or id)"),
            (NOT_THERE, "It is not there"),
        ],
        widget=forms.RadioSelect,
    )
    found = forms.CharField(
        label="Link or id of the post on the platform",
        max_length=1000,
        required=False,  # the service says what is missing, and where
        help_text="Bluesky: https://bsky.app/profile/<handle>/post/<id> or at://…; "
        "Mastodon: https://<server>/@<user>/<id> or the numeric id.",
    )
    note = forms.CharField(
        label="What you checked",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,  # the service's message says what a blank note lacks
        help_text="Where you looked and when. The team sees it; the audit log keeps it.",
    )


def visible_deliveries(request: HttpRequest) -> Any:
    """Deliveries of posts this person may see (per-account roles: their accounts only)."""
    return Delivery.objects.restrict(request.user, "post.view", request=request).select_related(
        "post", "account", "version"
    )


def may_resolve(request: HttpRequest, delivery: Delivery) -> bool:
    return resolvable(delivery) and can(request.user, ACTION, delivery, request=request)


@login_required
@sensitive
def resolve_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(visible_deliveries(request), pk=pk)
    require(request.user, ACTION, delivery, request=request)
    back = reverse("web:post", args=[delivery.post_id]) + f"#delivery-{delivery.pk}"
    if not resolvable(delivery):
        messages.info(
            request,
            f"The delivery to {delivery.account} is {delivery.get_state_display()}"
            + (" and Postguard is still checking" if delivery.next_attempt_at else "")
            + ": there is nothing to resolve by hand.",
        )
        return redirect(back)
    form = ResolveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        answer = form.cleaned_data["answer"]
        try:
            result = resolve(
                request.user,
                delivery,
                found=form.cleaned_data["found"] if answer == FOUND else None,
                not_there=answer == NOT_THERE,
                note=form.cleaned_data["note"],
                request=request,
            )
        except ResolveError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, result.message)
            return redirect(back)
    return render(
        request,
        "web/confirm.html",
        {
            "form": form,
            "heading": f"Resolve post {delivery.post_id} on {delivery.account}",
            "consequences": [
                f"record what you found on {delivery.account} after Postguard could not tell "
                f"({delivery.last_error})",
                "it is there: Postguard reads the post through the platform and records it "
                "as published (it refuses a link to another account's post or to no post)",
                "it is not there: the delivery fails with your note; the post can then go back "
                "to draft and be scheduled again",
            ],
            "submit_label": "Record what I found",
            "cancel_url": back,
        },
        status=400 if form.errors else 200,
    )

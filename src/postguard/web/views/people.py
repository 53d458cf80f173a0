"""People and grants: add a person, grant with a reason, revoke, and offboard (confirmation +
re-auth)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from postguard.api.models import ApiToken
from postguard.core.permissions import can, require
from postguard.policy.schema import ORGANIZATION_WIDE_ROLES, Role
from postguard.registry import services
from postguard.registry.invitations import invite
from postguard.registry.models import Grant, Person, PlatformAccount
from postguard.web.forms import add_service_error
from postguard.web.security import sensitive


@login_required
def people_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "person.view", request=request)
    people = (
        Person.objects.restrict(request.user, "person.view", request=request)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "grants",
                queryset=Grant.objects.active().select_related("account"),
                to_attr="active_grants",
            )
        )
    )
    can_add = can(request.user, "person.create", request=request)
    return render(request, "web/people/list.html", {"people": people, "can_add": can_add})


class PersonForm(forms.Form):
    email = forms.EmailField(
        label="Work email", help_text="Their sign-in; a role address is not a person."
    )
    name = forms.CharField(max_length=200, label="Full name")
    team = forms.CharField(max_length=200, required=False, help_text="For example: communications.")


@login_required
def person_add(request: HttpRequest) -> HttpResponse:
    require(request.user, "person.create", request=request)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(
                request.user,
                form.cleaned_data["email"],
                form.cleaned_data["name"],
                team=form.cleaned_data["team"],
            )
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            if invite(request, person.user):
                note = f"We mailed {person.user.email} a link to choose their password."
            else:
                note = (
                    "No mail server is configured (POSTGUARD_EMAIL_HOST), so set their password "
                    f"with: postguard changepassword {person.user.email}"
                )
            messages.success(request, f"Added {person}. {note} Next, grant them a role.")
            return redirect("web:person", pk=person.pk)
    return render(
        request,
        "web/form.html",
        {
            "form": form,
            "heading": "Add a person to the team",
            "submit_label": "Add",
            "cancel_url": reverse("web:people"),
        },
        status=400 if form.errors else 200,
    )


def _person(request: HttpRequest, pk: int) -> Person:
    people = Person.objects.restrict(request.user, "person.view", request=request)
    return get_object_or_404(people.select_related("user"), pk=pk)


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    grants = list(
        Grant.objects.restrict(request.user, "grant.view", request=request)
        .filter(person=person)
        .select_related("account")
    )
    for grant in grants:
        grant.can_revoke = can(  # type: ignore[attr-defined]
            request.user, "grant.revoke", grant, request=request
        )
    can_offboard = can(request.user, "person.offboard", person, request=request)
    context: dict[str, Any] = {
        "person": person,
        "grants": grants,
        "can_grant": can(request.user, "grant.create", person, request=request),
        "can_offboard": can_offboard,
        "sessions": None,
    }
    if can_offboard or not person.is_active:
        context["sessions"] = UserSession.objects.filter(user_id=person.user_id).count()
        context["tokens"] = ApiToken.objects.filter(
            user_id=person.user_id, revoked_at__isnull=True
        ).count()
    return render(request, "web/people/detail.html", context)


class GrantForm(forms.Form):
    role = forms.ChoiceField(choices=[(r.value, r.value) for r in Role])
    account = forms.ModelChoiceField(
        queryset=PlatformAccount.objects.all(),
        required=False,
        help_text="Editors, reviewers and contributors are granted per account; lead, security "
        "and auditor are organization-wide (leave empty).",
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Why this person needs this access; reviewers read it every quarter.",
    )
    expires = forms.DateField(
        required=False,
        label="Expires on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For temporary cover: the grant ends at the end of this day (UTC).",
    )

    def clean_expires(self) -> dt.datetime | None:
        day = self.cleaned_data.get("expires")
        if day is None:
            return None
        if day <= timezone.localdate():
            raise forms.ValidationError("Choose a day after today.")
        return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, account = data.get("role"), data.get("account")
        org_wide = {r.value for r in ORGANIZATION_WIDE_ROLES}
        if role in org_wide and account is not None:
            self.add_error("account", f"{role} is organization-wide; leave the account empty.")
        elif role and role not in org_wide and account is None:
            self.add_error("account", f"{role} is granted on one account; choose the account.")
        if not (data.get("reason") or "").strip():
            self.add_error("reason", "Every grant needs a reason.")
        return data


@login_required
@sensitive
def grant_add(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request.user, "grant.create", person, request=request)
    form = GrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.grant_role(
                request.user,
                person,
                form.cleaned_data["role"],
                account=form.cleaned_data["account"],
                reason=form.cleaned_data["reason"],
                expires_at=form.cleaned_data["expires"],
            )
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{person} now holds {form.cleaned_data['role']}.")
            return redirect("web:person", pk=person.pk)
    return render(
        request,
        "web/form.html",
        {
            "form": form,
            "heading": f"Grant a role to {person}",
            "submit_label": "Grant",
            "cancel_url": reverse("web:person", args=[person.pk]),
        },
        status=400 if form.errors else 200,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Recorded in the audit log.",
    )


@login_required
@sensitive
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grants = Grant.objects.restrict(request.user, "grant.view", request=request)
    grant = get_object_or_404(grants.select_related("person__user", "account"), pk=pk)
    require(request.user, "grant.revoke", grant, request=request)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_grant(request.user, grant, reason=form.cleaned_data["reason"])
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"The grant {grant} is revoked.")
            return redirect("web:person", pk=grant.person_id)
    return render(
        request,
        "web/confirm.html",
        {
            "heading": f"Revoke {grant}",
            "consequences": [f"{grant.person} loses the {grant.role} role at once"],
            "form": form,
            "submit_label": "Revoke grant",
            "cancel_url": reverse("web:person", args=[grant.person_id]),
        },
    )


class OffboardForm(ReasonForm):
    confirm = forms.BooleanField(
        label="I understand this ends all of this person's access now.", required=True
    )


@login_required
@sensitive
def offboard(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request, pk)
    require(request.user, "person.offboard", person, request=request)
    form = OffboardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.offboard(request.user, person, reason=form.cleaned_data["reason"])
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request,
                f"{person} is offboarded: every grant revoked, every session and API token "
                "ended, kept credentials flagged for rotation.",
            )
            return redirect("web:person", pk=person.pk)
    kept = list(PlatformAccount.objects.filter(keeper=person))
    consequences = [
        "revoke every grant this person holds",
        "end every signed-in session and revoke every API token",
    ]
    if kept:
        consequences.append(
            "flag for rotation the credentials they kept: " + ", ".join(str(a) for a in kept)
        )
    return render(
        request,
        "web/confirm.html",
        {
            "heading": f"Offboard {person}",
            "consequences": consequences,
            "form": form,
            "submit_label": f"Offboard {person}",
            "cancel_url": reverse("web:person", args=[person.pk]),
        },
        status=400 if form.errors else 200,
    )

"""Platform accounts: list, detail with posture findings, add and edit (lead and security)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from postguard.core.permissions import can, require
from postguard.policy.versions import active_policy
from postguard.registry import posture, services
from postguard.registry.models import Person, PlatformAccount
from postguard.web.forms import add_service_error
from postguard.web.views.posture import account_row, grade

ACCOUNT_FIELDS = (
    "platform",
    "handle",
    "url",
    "login_email",
    "recovery_email",
    "recovery_phone",
    "keeper_role",
    "keeper",
    "mfa_method",
    "last_rotation",
)


class AccountForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = PlatformAccount
        fields = ACCOUNT_FIELDS
        # Django's Meta idiom: class-level dicts read once by the ModelForm metaclass.
        widgets = {"last_rotation": forms.DateInput(attrs={"type": "date"})}  # noqa: RUF012
        labels = {  # noqa: RUF012  # Django's Meta idiom
            "url": "Profile address (URL)",
            "mfa_method": "MFA method",
            "keeper_role": "Keeper's role",
            "keeper": "Keeper",
        }
        help_texts = {  # noqa: RUF012  # Django's Meta idiom
            "handle": "As it appears on the platform, e.g. @examplecounty.",
            "login_email": "Should be a role address on an organization domain (social@...).",
            "recovery_email": "A role address; never a personal mailbox.",
            "recovery_phone": "An organization number from the policy; never a personal phone.",
            "mfa_method": "App or hardware key. SMS and none are findings.",
            "last_rotation": "The date the password was last changed.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keeper = self.fields["keeper"]
        assert isinstance(keeper, forms.ModelChoiceField)
        keeper.queryset = Person.objects.filter(status=Person.Status.ACTIVE)


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "account.view", request=request)
    accounts = PlatformAccount.objects.restrict(
        request.user, "account.view", request=request
    ).select_related("keeper__user")
    rows = []
    for account in accounts:
        row = account_row(account)
        rows.append({"account": account, "findings": row.findings if row else []})
    return render(
        request,
        "web/accounts/list.html",
        {"rows": rows, "can_add": can(request.user, "account.create", request=request)},
    )


def _visible(request: HttpRequest, pk: int) -> PlatformAccount:
    accounts = PlatformAccount.objects.restrict(request.user, "account.view", request=request)
    return get_object_or_404(accounts.select_related("keeper__user"), pk=pk)


@login_required
def account_detail(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible(request, pk)
    row = account_row(account)
    score = row.score if row else 100
    return render(
        request,
        "web/accounts/detail.html",
        {
            "account": account,
            "findings": row.findings if row else [],
            "score": score,
            "grade_class": {"good": "ok", "fair": "warn", "poor": "bad"}[grade(score)],
            "can_change": can(request.user, "account.change", account, request=request),
            "can_rotate": can(request.user, "account.rotate", account, request=request),
            "rotation_form": RotationForm(initial={"when": timezone.localdate()}),
        },
    )


def _form_page(request: HttpRequest, form: AccountForm, heading: str, cancel: str) -> HttpResponse:
    return render(
        request,
        "web/accounts/form.html",
        {
            "form": form,
            "heading": heading,
            "cancel_url": cancel,
            "submit_label": "Save account",
            "preview_findings": _preview(form) if form.is_bound else None,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _preview(form: AccountForm) -> list[Any] | None:
    """The findings these (unsaved) details would have; fields that do not validate are skipped."""
    policy = active_policy()
    if policy is None:
        return None
    form.is_valid()  # fills form.instance with every field that is valid
    return list(posture.posture_for(form.instance, policy).findings)


@login_required
@require_POST
def account_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the findings for the details typed so far. Reads only; nothing is saved."""
    if not (
        can(request.user, "account.create", request=request)
        or can(request.user, "account.change", request=request)
    ):
        raise PermissionDenied("account.create")
    form = AccountForm(request.POST)
    return render(request, "web/accounts/preview.html", {"preview_findings": _preview(form)})


@login_required
def account_add(request: HttpRequest) -> HttpResponse:
    require(request.user, "account.create", request=request)
    form = AccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.create_account(request.user, **_fields(form))
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{account} is added.")
            return redirect("web:account", pk=account.pk)
    return _form_page(request, form, "Add a platform account", reverse("web:accounts"))


@login_required
def account_edit(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible(request, pk)
    require(request.user, "account.change", account, request=request)
    # The form validates against a copy: the service needs the unchanged row for the audit's
    # before-snapshot (a ModelForm writes cleaned values into its instance).
    form = AccountForm(request.POST or None, instance=PlatformAccount.objects.get(pk=account.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_account(request.user, account, **_fields(form))
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{account} is saved.")
            return redirect("web:account", pk=account.pk)
    return _form_page(request, form, f"Edit {account}", reverse("web:account", args=[pk]))


def _fields(form: AccountForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in ACCOUNT_FIELDS}


class RotationForm(forms.Form):
    when = forms.DateField(
        label="Rotated on",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="The day the password was changed (and app tokens revoked).",
    )


@login_required
@require_POST
def account_rotated(request: HttpRequest, pk: int) -> HttpResponse:
    """Record that the credentials were rotated: sets the date and clears the rotation flag."""
    account = _visible(request, pk)
    require(request.user, "account.rotate", account, request=request)
    form = RotationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the rotation date as YYYY-MM-DD.")
    else:
        try:
            services.record_rotation(request.user, account, when=form.cleaned_data["when"])
        except services.RegistryError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"The rotation of {account} is recorded.")
    return redirect("web:account", pk=account.pk)

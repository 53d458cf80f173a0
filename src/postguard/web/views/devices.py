"""Company devices: enroll this browser (lead), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from postguard.core.permissions import can, require
from postguard.policy.versions import active_policy
from postguard.registry import services
from postguard.registry.devices import set_device_cookie
from postguard.registry.models import Device, Person
from postguard.web.forms import add_service_error
from postguard.web.security import sensitive


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    require(request.user, "device.view", request=request)
    devices = Device.objects.restrict(request.user, "device.view", request=request).select_related(
        "owner__user"
    )
    policy = active_policy()
    return render(
        request,
        "web/devices/list.html",
        {
            "devices": devices,
            "can_enroll": can(request.user, "device.enroll", request=request),
            "can_revoke": can(request.user, "device.revoke", request=request),
            "unenrolled_may": list(policy.devices.unenrolled_may) if policy else [],
        },
    )


class EnrollForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="How the team will recognise it, e.g. 'Comms laptop 3'."
    )
    owner = forms.ModelChoiceField(
        queryset=Person.objects.filter(status=Person.Status.ACTIVE),
        required=False,
        help_text="The person who uses this device, if it is assigned to one.",
    )


@login_required
@sensitive
def device_enroll(request: HttpRequest) -> HttpResponse:
    require(request.user, "device.enroll", request=request)
    form = EnrollForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, token = services.enroll_device(
                request.user, form.cleaned_data["name"], owner=form.cleaned_data["owner"]
            )
        except services.RegistryError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"This browser is now enrolled as {device}.")
            response = redirect("web:devices")
            set_device_cookie(response, token)
            return response
    return render(
        request,
        "web/form.html",
        {
            "form": form,
            "heading": "Enroll this browser as a company device",
            "intro": "Only do this on a device the organization owns and manages. The browser "
            "receives a signed cookie; clearing cookies un-enrolls it.",
            "submit_label": "Enroll this browser",
            "cancel_url": reverse("web:devices"),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def device_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    devices = Device.objects.restrict(request.user, "device.view", request=request)
    device = get_object_or_404(devices, pk=pk)
    require(request.user, "device.revoke", device, request=request)
    try:
        services.revoke_device(request.user, device, reason="revoked in the web app")
    except services.RegistryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{device} is revoked; requests from it count as unenrolled.")
    return redirect("web:devices")

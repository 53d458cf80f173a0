"""`{% pause_switch account %}` (the account page; without an account, the organization's) and
`{% integrity_watch %}` (the dashboard): the publishing controls shown on other pages."""

from __future__ import annotations

from typing import Any

from django import template

from postguard.registry.models import PlatformAccount
from postguard.web.views.publishing_controls import pause_context, watch_context

register = template.Library()


@register.inclusion_tag("web/publishing/switch.html", takes_context=True)
def pause_switch(context: dict[str, Any], account: PlatformAccount | None = None) -> dict[str, Any]:
    return {**pause_context(context["request"], account), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("web/publishing/watch.html", takes_context=True)
def integrity_watch(context: dict[str, Any]) -> dict[str, Any]:
    return {**watch_context(context["request"]), "csrf_token": context.get("csrf_token")}

"""`{% connection_status account %}`: the account page's publishing-connection section."""

from __future__ import annotations

from typing import Any

from django import template

from postguard.registry.models import PlatformAccount
from postguard.web.views.connections import connection_context

register = template.Library()


@register.inclusion_tag("web/connections/status.html", takes_context=True)
def connection_status(context: dict[str, Any], account: PlatformAccount) -> dict[str, Any]:
    return connection_context(account, context["request"])

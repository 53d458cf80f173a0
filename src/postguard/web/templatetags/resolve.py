"""`{% may_resolve delivery as name %}`: whether the person viewing may resolve this delivery by
hand (an unconfirmed delivery Postguard stopped checking; lead and security)."""

from __future__ import annotations

from typing import Any

from django import template

from postguard.publishing.models import Delivery
from postguard.web.views.resolve import may_resolve as _may_resolve

register = template.Library()


@register.simple_tag(takes_context=True)
def may_resolve(context: dict[str, Any], delivery: Delivery) -> bool:
    request = context.get("request")
    return request is not None and _may_resolve(request, delivery)

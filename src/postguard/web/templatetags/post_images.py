"""`{% image_findings post %}`: the current version's images with their findings drawn over
them (numbered boxes) and listed beside them (the accessible form)."""

from __future__ import annotations

from typing import Any

from django import template

from postguard.web.views.post_images import images_with_findings
from postguard.workflow import services
from postguard.workflow.models import Post

register = template.Library()


@register.inclusion_tag("web/posts/_image_findings.html")
def image_findings(post: Post | None) -> dict[str, Any]:
    if post is None:
        return {"entries": []}
    version = services.current(post)
    vetting = services.latest_vetting(version)
    findings = list(vetting.findings) if vetting else []
    return {
        "entries": images_with_findings(post, version, findings),
        "vetted": vetting is not None,
        "version": version,
    }

"""postguard check: Django's system checks, plus the deployment checks in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.commands import check


class Command(check.Command):
    help = (
        "Run Django's system checks. With POSTGUARD_ENV=production the deployment checks "
        "(--deploy: HTTPS, HSTS, secure cookies, secret key) run too."
    )

    def handle(self, *app_labels: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            options["deploy"] = True
        super().handle(*app_labels, **options)

from __future__ import annotations

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "postguard.web"
    label = "web"
    verbose_name = "Postguard web"

    def ready(self) -> None:
        from postguard.web import signals

        signals.connect()

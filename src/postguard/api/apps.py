from __future__ import annotations

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "postguard.api"
    label = "api"
    verbose_name = "Postguard API"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "postguard.core"
    label = "core"
    verbose_name = "Postguard core"

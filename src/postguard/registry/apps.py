from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "postguard.registry"
    label = "registry"
    verbose_name = "Organization registry"

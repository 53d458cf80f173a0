from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "postguard.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

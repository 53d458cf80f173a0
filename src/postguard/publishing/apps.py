from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "postguard.publishing"
    label = "publishing"
    verbose_name = "Publishing"

    def ready(self) -> None:
        # Registers the publishing job handlers and periodic checks with the job runner.
        from postguard.publishing import jobs  # noqa: F401

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "postguard.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self) -> None:
        # Sign-in, sign-out and failed sign-in events are recorded through Django's signals.
        from postguard.audit import signals  # noqa: F401

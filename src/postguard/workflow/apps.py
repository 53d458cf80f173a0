from django.apps import AppConfig


class WorkflowConfig(AppConfig):
    name = "postguard.workflow"
    label = "workflow"
    verbose_name = "Posts and approvals"

    def ready(self) -> None:
        # Registers the workflow's job handlers (vetting) with the job runner.
        from postguard.workflow import vetting  # noqa: F401

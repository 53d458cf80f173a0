from django.apps import AppConfig


class PolicyConfig(AppConfig):
    # The package stays importable without Django (schema, loader); only models.py and the
    # version services need the app.
    name = "postguard.policy"
    label = "policy"
    verbose_name = "Policy versions"

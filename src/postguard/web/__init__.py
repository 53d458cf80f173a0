"""The web app: server-rendered pages (Django templates, htmx) over the registry, policy, audit."""

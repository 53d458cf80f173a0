"""The REST API (django-ninja) under /api/v1/, under exactly the same permission rules as the UI."""

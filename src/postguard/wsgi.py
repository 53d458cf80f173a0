"""The WSGI application (`postguard serve` runs it with waitress; any WSGI server can)."""

from __future__ import annotations

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "postguard.settings.site")

application = get_wsgi_application()

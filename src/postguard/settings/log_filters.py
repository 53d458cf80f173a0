"""A logging filter that keeps secrets out of logs, whatever the code that logs them does."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

REDACTED = "[redacted]"


def _secrets() -> list[str]:
    from django.conf import settings

    values = [
        getattr(settings, "SECRET_KEY", ""),
        settings.DATABASES.get("default", {}).get("PASSWORD", ""),
    ]
    broker = getattr(settings, "BROKER_URL", None)
    if broker:
        try:
            values.append(urlsplit(broker).password or "")
        except ValueError:
            values.append(broker)
    # Short values would blank ordinary words; no real secret is that short.
    return sorted({v for v in values if v and len(v) >= 6}, key=len, reverse=True)


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        redacted = message
        for secret in _secrets():
            redacted = redacted.replace(secret, REDACTED)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

"""Bluesky (AT Protocol)."""

from postguard.connectors.bluesky.connector import CAPABILITIES, BlueskyConnector, record_key
from postguard.connectors.credentials import Secret
from postguard.connectors.http import HttpClient

__all__ = ["CAPABILITIES", "BlueskyConnector", "build", "record_key"]


def build(*, service_url: str, login: str, secret: Secret, http: HttpClient) -> BlueskyConnector:
    """The connector for one account: `login` is the handle, `secret` its app password."""
    return BlueskyConnector(service_url=service_url, handle=login, app_password=secret, http=http)

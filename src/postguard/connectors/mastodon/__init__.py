"""Mastodon (and servers that speak its client API)."""

from postguard.connectors.credentials import Secret
from postguard.connectors.http import HttpClient
from postguard.connectors.mastodon.connector import CAPABILITIES, MastodonConnector, html_to_text

__all__ = ["CAPABILITIES", "MastodonConnector", "build", "html_to_text"]


def build(*, service_url: str, login: str, secret: Secret, http: HttpClient) -> MastodonConnector:
    """The connector for one account: `secret` is its access token (`login` is not used)."""
    return MastodonConnector(instance_url=service_url, access_token=secret, http=http)

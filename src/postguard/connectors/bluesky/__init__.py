"""Bluesky (AT Protocol)."""

import ipaddress
from urllib.parse import urlsplit

from postguard.connectors.bluesky.connector import CAPABILITIES, BlueskyConnector, record_key
from postguard.connectors.credentials import Secret
from postguard.connectors.http import AddressPolicy, HttpClient

__all__ = ["CAPABILITIES", "BlueskyConnector", "build", "record_key", "web_app_shows"]

WEB_APP = "https://bsky.app"


def web_app_shows(service_url: str) -> bool:
    """Whether bsky.app can show this PDS's posts: not when the PDS is on a loopback or private
    address (a local PDS, as in the demo), which the network cannot reach."""
    host = (urlsplit(service_url).hostname or "").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: the PDS is where the account says it is
    return AddressPolicy().refusal(str(address)) is None


def build(*, service_url: str, login: str, secret: Secret, http: HttpClient) -> BlueskyConnector:
    """The connector for one account: `login` is the handle, `secret` its app password.

    Its post links go to bsky.app; for a PDS on a loopback or private address, to the record
    itself on the PDS (`/xrpc/com.atproto.repo.getRecord?...`), since it serves no web pages.
    """
    return BlueskyConnector(
        service_url=service_url,
        handle=login,
        app_password=secret,
        http=http,
        web_url=WEB_APP if web_app_shows(service_url) else None,
    )

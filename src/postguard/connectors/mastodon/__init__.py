"""Mastodon (and servers that speak its client API)."""

from postguard.connectors.mastodon.connector import CAPABILITIES, MastodonConnector, html_to_text

__all__ = ["CAPABILITIES", "MastodonConnector", "html_to_text"]

"""Bluesky (AT Protocol)."""

from postguard.connectors.bluesky.connector import CAPABILITIES, BlueskyConnector, record_key

__all__ = ["CAPABILITIES", "BlueskyConnector", "record_key"]

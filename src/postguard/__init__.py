"""Postguard: self-hosted, zero-trust social media operations."""

__version__ = "0.1.0"

"""Platform connectors: one interface (base.py), one package per platform, one HTTP client."""

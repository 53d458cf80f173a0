"""The `postguard` command."""

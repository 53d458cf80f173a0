"""The organization registry: people and their grants, platform accounts, devices, the directory."""

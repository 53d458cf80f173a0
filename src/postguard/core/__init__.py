"""Shared pieces with no domain logic: the user model, the permission choke point, utilities."""

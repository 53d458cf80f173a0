"""Drafts, versions, approvals, overrides and the state machine a post moves through."""

"""The tamper-evident audit log: an append-only, hash-chained record of every state change.

Write to it with `postguard.audit.log.record(...)`; prove it intact with `postguard audit verify`.
"""

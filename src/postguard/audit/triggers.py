"""SQL for the triggers that make the database refuse UPDATE and DELETE on the audit table.

Migrations import these constants; a change to the triggers gets new constants (V2) and a new
migration, never an edit here, so that old migrations keep creating what they created.
"""

from __future__ import annotations

TABLE = "audit_auditevent"

REFUSAL = (
    "audit events are append-only: {op} on audit_auditevent is refused "
    "(the database protects the audit log; see docs/audit.md)"
)

SQLITE_CREATE_V1 = [
    f"""
    CREATE TRIGGER audit_auditevent_refuse_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(op="UPDATE")}'); END
    """,
    f"""
    CREATE TRIGGER audit_auditevent_refuse_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, '{REFUSAL.format(op="DELETE")}'); END
    """,
]
SQLITE_DROP_V1 = [
    "DROP TRIGGER IF EXISTS audit_auditevent_refuse_update",
    "DROP TRIGGER IF EXISTS audit_auditevent_refuse_delete",
]

# restrict_violation (SQLSTATE 23001) reaches Django as an IntegrityError, as SQLite's ABORT does.
POSTGRESQL_CREATE_V1 = [
    """
    CREATE OR REPLACE FUNCTION postguard_audit_refuse() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            MESSAGE = 'audit events are append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME
                || ' is refused (the database protects the audit log; see docs/audit.md)',
            ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    f"""
    CREATE TRIGGER audit_auditevent_refuse_update_delete
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION postguard_audit_refuse()
    """,
    f"""
    CREATE TRIGGER audit_auditevent_refuse_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION postguard_audit_refuse()
    """,
]
POSTGRESQL_DROP_V1 = [
    f"DROP TRIGGER IF EXISTS audit_auditevent_refuse_update_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_auditevent_refuse_truncate ON {TABLE}",
    "DROP FUNCTION IF EXISTS postguard_audit_refuse()",
]

"""The database refuses UPDATE and DELETE (and TRUNCATE on PostgreSQL) on the audit table."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from postguard.audit import triggers


def _statements(vendor: str, *, create: bool) -> list[str]:
    if vendor == "sqlite":
        return triggers.SQLITE_CREATE_V1 if create else triggers.SQLITE_DROP_V1
    if vendor == "postgresql":
        return triggers.POSTGRESQL_CREATE_V1 if create else triggers.POSTGRESQL_DROP_V1
    raise RuntimeError(
        f"Postguard's audit log is protected by triggers on SQLite and PostgreSQL only; "
        f"this database is {vendor!r}. Use SQLite or PostgreSQL (DATABASE_URL=postgres://...)."
    )


def create_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in _statements(schema_editor.connection.vendor, create=True):
        schema_editor.execute(sql, params=None)


def drop_triggers(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    for sql in _statements(schema_editor.connection.vendor, create=False):
        schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]

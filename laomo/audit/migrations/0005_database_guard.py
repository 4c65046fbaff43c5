"""The audit log's rule held by the database itself, not only by the ORM: no UPDATE of an entry,
ever, and no DELETE of one younger than 183 days (等保2.0 asks six months' retention; the purge of
older entries, `laomo purge-audit`, still works). Whoever reaches the database with the app's
connection (a raw SQL statement, the shell, `laomo dbshell`) is refused like the ORM.

Written out here, not imported, so that the migration stays what it was when it ran; 183 is
`laomo.audit.models.MIN_RETENTION_DAYS`.

Not covered, by design: PostgreSQL's TRUNCATE fires no row triggers (it needs the table owner's
rights; see README, 部署, on running the app without them), and `laomo flush` on SQLite sets the
triggers aside while it empties the whole database (`laomo.audit.management.commands.flush`).

On SQLite, a later migration that rebuilds this table (SQLite alters most columns by copying the
table) drops the triggers with the old table: it must create them again. A test refuses an UPDATE
through raw SQL on both databases, so a migration that loses them fails the suite.
"""

from django.db import migrations

SQLITE_INSTALL = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_update
    BEFORE UPDATE ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, '审计记录不可修改');
    END
    """,
    # Django keeps SQLite's datetimes as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]", which compares
    # as text in time order with what datetime('now', …) gives.
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_early_delete
    BEFORE DELETE ON audit_auditentry
    WHEN OLD."at" > datetime('now', '-183 days')
    BEGIN
        SELECT RAISE(ABORT, '审计记录至少保留183天，不可删除');
    END
    """,
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
    "DROP TRIGGER IF EXISTS audit_entry_no_early_delete",
]

# restrict_violation (23001): Django raises it as an IntegrityError, as SQLite's RAISE(ABORT) is.
POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_guard() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            RAISE EXCEPTION '审计记录不可修改' USING ERRCODE = 'restrict_violation';
        END IF;
        IF OLD."at" > now() - interval '183 days' THEN
            RAISE EXCEPTION '审计记录至少保留183天，不可删除' USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END
    $$
    """,
    "DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry",
    """
    CREATE TRIGGER audit_entry_no_update
    BEFORE UPDATE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()
    """,
    "DROP TRIGGER IF EXISTS audit_entry_no_early_delete ON audit_auditentry",
    """
    CREATE TRIGGER audit_entry_no_early_delete
    BEFORE DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()
    """,
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry",
    "DROP TRIGGER IF EXISTS audit_entry_no_early_delete ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_guard()",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_purge_backup_and_protected_actor")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_INSTALL, "postgresql": POSTGRESQL_INSTALL}),
            _run({"sqlite": SQLITE_REMOVE, "postgresql": POSTGRESQL_REMOVE}),
        )
    ]

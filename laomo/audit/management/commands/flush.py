"""Django's `flush` (empty every table), which on SQLite must first set aside the audit log's
triggers (migration audit.0005): SQLite empties a table with DELETE, which they refuse for entries
younger than 183 days. PostgreSQL empties with TRUNCATE, which fires no row triggers.

The triggers are read from the database, dropped, and created again from the same text after the
flush, all in one transaction: a flush that fails or is cancelled leaves them as they were. (An
interactive flush asks inside that transaction, so other writers wait for the answer; on a
database about to be emptied that is as well.) `laomo generate-scale --force` and the test suite's
transactional tests flush; whoever may run it can equally delete the SQLite file itself.
"""

from django.core.management.commands import flush
from django.db import connections, transaction

from laomo.audit.models import AuditEntry


class Command(flush.Command):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                    [AuditEntry._meta.db_table],
                )
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            super().handle(**options)
            with connection.cursor() as cursor:
                for _name, sql in triggers:
                    cursor.execute(sql)
        return None

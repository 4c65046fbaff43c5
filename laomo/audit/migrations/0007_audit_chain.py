"""The hash chain of the audit log, the counted refusals, and a third trigger on SQLite.

1. Every entry gets `prev_hash` and `hash` (`laomo.audit.chain`); the entries written before
   this migration are chained here, oldest first (only those not chained yet: running it again
   changes nothing).
2. SQLite's REPLACE / INSERT OR REPLACE (and an upsert's conflict) would take an existing
   entry's id: SQLite deletes the old row without firing DELETE triggers (unless
   `recursive_triggers` is on) and inserts the new one. A BEFORE INSERT trigger refuses any
   insert whose id is already taken. (PostgreSQL has no REPLACE; its INSERT … ON CONFLICT DO
   UPDATE and MERGE fire the row triggers of 0005.)
3. Adding the columns makes SQLite rebuild the table, which drops its triggers: all three are
   created here again. On PostgreSQL the UPDATE trigger is set aside while the existing entries
   are chained, in this migration's transaction.

The trigger texts are written out, not imported, as in 0005. The hash comes from
`laomo.audit.chain.digest`, which must stay as it is for as long as entries hashed with it
exist; the migration uses the same function so that what it writes verifies.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

from laomo.audit.chain import GENESIS, digest

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_update
    BEFORE UPDATE ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, '审计记录不可修改');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_early_delete
    BEFORE DELETE ON audit_auditentry
    WHEN OLD."at" > datetime('now', '-183 days')
    BEGIN
        SELECT RAISE(ABORT, '审计记录至少保留183天，不可删除');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_replace
    BEFORE INSERT ON audit_auditentry
    WHEN EXISTS (SELECT 1 FROM audit_auditentry WHERE id = NEW.id)
    BEGIN
        SELECT RAISE(ABORT, '审计记录不可覆盖');
    END
    """,
]
SQLITE_NO_REPLACE_REMOVE = ["DROP TRIGGER IF EXISTS audit_entry_no_replace"]

POSTGRESQL_UPDATE_TRIGGER = """
    CREATE TRIGGER audit_entry_no_update
    BEFORE UPDATE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_guard()
"""


def chain_existing(apps, schema_editor):
    """Chain the entries that have no hash yet, oldest first, after the last one that has."""
    vendor = schema_editor.connection.vendor
    entry_model = apps.get_model("audit", "AuditEntry")
    entries = entry_model._base_manager.using(schema_editor.connection.alias).order_by("pk")
    if not entries.filter(hash="").exists():
        _install(schema_editor)
        return
    if vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    previous = GENESIS
    batch = []
    for entry in entries.iterator(chunk_size=2000):
        if entry.hash:
            previous = entry.hash
            continue
        entry.prev_hash = previous
        entry.hash = previous = digest(entry)
        batch.append(entry)
        if len(batch) == 500:
            entries.bulk_update(batch, ["prev_hash", "hash"])
            batch = []
    entries.bulk_update(batch, ["prev_hash", "hash"])
    _install(schema_editor)


def _install(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql, params=None)
    elif vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_auditentry")
        schema_editor.execute(POSTGRESQL_UPDATE_TRIGGER, params=None)


def unchain(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_NO_REPLACE_REMOVE:
            schema_editor.execute(sql, params=None)


def restore_0005_triggers(apps, schema_editor):
    """Going back: removing the columns rebuilt SQLite's table without triggers; 0005's return."""
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS[:2]:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0006_security_actions"),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_0005_triggers),
        migrations.AddField(
            model_name="auditentry",
            name="hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="本条记录的哈希"
            ),
        ),
        migrations.AddField(
            model_name="auditentry",
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="前一条记录的哈希"
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "新建"),
                    ("update", "修改"),
                    ("archive", "归档"),
                    ("restore", "恢复"),
                    ("reveal_phone", "查看完整电话"),
                    ("import", "导入"),
                    ("export", "导出"),
                    ("transition", "状态变更"),
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("lockout", "锁定"),
                    ("logout", "退出登录"),
                    ("password_change", "修改密码"),
                    ("totp_enrol", "启用动态口令"),
                    ("recovery_codes", "生成恢复码"),
                    ("totp_reset", "重置两步验证"),
                    ("token_refused", "API 令牌被拒绝"),
                    ("access_denied", "越权访问"),
                    ("upload_refused", "文件被拒绝"),
                    ("lockout_reset", "解除锁定"),
                    ("purge", "清理过期审计记录"),
                    ("backup", "数据备份"),
                    ("recover", "从备份恢复"),
                ],
                max_length=20,
                verbose_name="事件",
            ),
        ),
        migrations.AlterField(
            model_name="auditentry",
            name="at",
            field=models.DateTimeField(
                db_index=True,
                default=django.utils.timezone.now,
                editable=False,
                verbose_name="时间",
            ),
        ),
        migrations.CreateModel(
            name="RefusalWindow",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200, verbose_name="归并键")),
                ("started_at", models.DateTimeField(verbose_name="首次时间")),
                ("last_at", models.DateTimeField(verbose_name="最近一次时间")),
                ("count", models.PositiveIntegerField(default=1, verbose_name="次数")),
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="window",
                        to="audit.auditentry",
                        verbose_name="审计记录",
                    ),
                ),
            ],
            options={
                "verbose_name": "拒绝计数",
                "verbose_name_plural": "拒绝计数",
                "indexes": [
                    models.Index(fields=["key", "started_at"], name="audit_refusal_window")
                ],
            },
        ),
        migrations.RunPython(chain_existing, unchain),
    ]

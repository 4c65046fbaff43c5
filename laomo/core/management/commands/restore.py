from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from laomo.core.backup import (
    BackupError,
    integrity_warning,
    restore_backup,
    verify_backup,
)

SIGNATURE_STATES = {
    "verified": "清单签名与 LAOMO_BACKUP_KEY 相符",
    "unsigned": "清单没有签名（备份时未设置 LAOMO_BACKUP_KEY）",
    "unchecked": "清单有签名，但未设置 LAOMO_BACKUP_KEY，未能核对",
}


class Command(BaseCommand):
    help = (
        "从 laomo backup 生成的文件恢复数据库、上传文件和活动照片。先逐个核对清单中的哈希值，"
        "有任何不符即拒绝；设置了 LAOMO_BACKUP_KEY 时，清单没有签名或签名不符也拒绝；"
        "目标数据库或文件目录不是空的时拒绝，除非加 --force"
        "（原有文件移到一旁保留）。恢复后核对每张表的行数。恢复前请停止应用。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="覆盖非空的数据库（先用 laomo backup 备份现有数据）",
        )
        parser.add_argument("--sha256", help="备份时打印的 SHA-256，核对整个文件")
        parser.add_argument(
            "--verify-only", action="store_true", help="只核对备份文件，不恢复任何内容"
        )

    def handle(self, *args, file: Path, force, sha256, verify_only, **options):
        if warning := integrity_warning(expect_sha256=sha256):
            self.stderr.write(self.style.WARNING(warning))
        try:
            if verify_only:
                verified = verify_backup(file, expect_sha256=sha256)
                manifest = verified.manifest
                self.stdout.write(
                    self.style.SUCCESS(f"核对无误：{file}")
                    + f"\n  备份时间 {manifest['created_at']}，Laomo {manifest['laomo_version']}，"
                    f"{len(manifest['files'])}个文件，{sum(manifest['tables'].values())}行"
                    f"\n  {SIGNATURE_STATES[verified.signature]}"
                )
                return
            result = restore_backup(file, force=force, expect_sha256=sha256)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        lines = [
            self.style.SUCCESS(f"恢复完成：{file}"),
            f"  备份时间 {manifest['created_at']}（Laomo {manifest['laomo_version']}）",
            f"  数据库：{result.tables}张表，{result.rows}行，与备份清单一致",
            f"  文件：{result.files}个，哈希值与清单一致",
            f"  {SIGNATURE_STATES[result.signature]}",
            f"  用时 {result.seconds:.1f} 秒",
        ]
        lines += [f"  原有文件已移到 {path}（确认无误后可删除）" for path in result.set_aside]
        if result.pending_migrations:
            lines.append(
                self.style.WARNING(
                    f"  备份早于本程序版本，还有{len(result.pending_migrations)}个"
                    "数据库迁移未执行：请运行 laomo migrate"
                )
            )
        self.stdout.write("\n".join(lines))

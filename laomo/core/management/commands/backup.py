from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from laomo.core.backup import BackupError, backup_key, create_backup


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"  # pragma: no cover


class Command(BaseCommand):
    help = (
        "在线备份：数据库（SQLite 用其备份接口，PostgreSQL 用 pg_dump）、上传文件和活动照片，"
        "连同记录每个文件 SHA-256 和每张表行数的 manifest.json，"
        "写成一个 .tar.gz 文件（仅属主可读）。"
        "应用运行时即可备份。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "-o",
            "--output",
            type=Path,
            required=True,
            help="备份文件；给出目录时在其中按时间命名（laomo-年月日-时分秒.tar.gz）",
        )

    def handle(self, *args, output: Path, **options):
        try:
            result = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        manifest = result.manifest
        trees = "，".join(
            f"{name} {tree['files']}个文件 {human_size(tree['bytes'])}"
            for name, tree in manifest["trees"].items()
        )
        self.stdout.write(
            self.style.SUCCESS(f"备份完成：{result.path}")
            + f"\n  大小 {human_size(result.size)}，用时 {result.seconds:.1f} 秒"
            + f"\n  数据库 {manifest['database']['vendor']}：{len(manifest['tables'])}张表，"
            f"{result.rows}行"
            + f"\n  文件：{trees}"
            + f"\n  SHA-256 {result.sha256}（已记入审计日志；恢复时可用 --sha256 核对）"
            + (
                "\n  清单已用 LAOMO_BACKUP_KEY 签名"
                if backup_key()
                else "\n"
                + self.style.WARNING(
                    "  未设置 LAOMO_BACKUP_KEY，清单没有签名："
                    "能改动备份文件的人可以同时改照片和清单，恢复时发现不了。"
                    "请设置该密钥（与备份分开保管）"
                )
            )
        )

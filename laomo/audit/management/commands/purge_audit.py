from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from laomo.audit.models import MIN_RETENTION_DAYS
from laomo.audit.services import purge_expired


class Command(BaseCommand):
    help = (
        "清理超过保留期限的审计记录（默认保留 LAOMO_AUDIT_RETENTION_DAYS 天，"
        f"不少于{MIN_RETENTION_DAYS}天），并把这次清理记入审计日志。"
        "用 cron 或 systemd 定时器每天运行。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, help=f"保留天数（不少于{MIN_RETENTION_DAYS}，默认取配置）"
        )
        parser.add_argument("--dry-run", action="store_true", help="只统计将清理多少条，不删除")

    def handle(self, *args, days, dry_run, **options):
        try:
            result = purge_expired(days=days, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        cutoff = f"{timezone.localtime(result.cutoff):%Y-%m-%d %H:%M}"
        if dry_run:
            self.stdout.write(
                f"将清理 {result.deleted} 条 {cutoff} 之前的审计记录"
                f"（保留 {result.retention_days} 天；--dry-run，未删除）"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已清理 {result.deleted} 条 {cutoff} 之前的审计记录"
                    f"（保留 {result.retention_days} 天），本次清理已记入审计日志"
                )
            )

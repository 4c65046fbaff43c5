from django.core.management.base import BaseCommand, CommandError

from laomo.accounts.models import User
from laomo.accounts.services import reset_second_factor


class Command(BaseCommand):
    help = (
        "重置账号的两步验证（移除其验证器和恢复码），用于手机和恢复码都丢失时；"
        "本人用密码登录后重新设置。记入审计日志并通知本人。"
        "系统管理员账号只能用本命令重置：laomo reset-two-factor 用户名 --reason 原因"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--reason", required=True, help="原因，记入审计日志，如“手机丢失”")

    def handle(self, *args, username, reason, **options):
        user = User.objects.filter(username__iexact=username).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在")
        if not reason.strip():
            raise CommandError("请用 --reason 说明原因")
        if not reset_second_factor(user, acting_user=None, reason=reason.strip()):
            raise CommandError(f"账号 {username} 没有启用两步验证，无需重置")
        self.stdout.write(
            self.style.SUCCESS(
                f"已重置 {username} 的两步验证：本人下次用密码登录后重新设置（已记入审计日志）"
            )
        )

from django.core.management.base import BaseCommand, CommandError

from laomo.accounts.models import ApiToken, User
from laomo.audit.models import AuditEntry
from laomo.audit.services import record


class Command(BaseCommand):
    help = "为账号签发一个 API 令牌并打印（只显示这一次）：laomo issue-token 用户名"

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用")
        token, raw = ApiToken.issue(user)
        record(
            AuditEntry.Action.CREATE,
            obj=token,
            region=user.scope_region,
            object_repr=f"{user.username} 的 API 令牌 {token.hint}…",
        )
        self.stdout.write(raw)

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from laomo.accounts.models import MAX_API_TOKEN_DAYS, ApiToken, User
from laomo.accounts.services import describe_token
from laomo.audit.models import AuditEntry
from laomo.audit.services import record


class Command(BaseCommand):
    help = (
        "为账号签发一个 API 令牌并打印（只显示这一次）：laomo issue-token 用户名 [--days 天数]。"
        "令牌到期、被吊销或账号停用后失效；与账号的密码是否过期无关。"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--days",
            type=int,
            help=f"有效天数（1到{MAX_API_TOKEN_DAYS}，默认取 LAOMO_API_TOKEN_DAYS，现为"
            f"{settings.LAOMO_API_TOKEN_DAYS}）",
        )

    def handle(self, *args, username, days, **options):
        user = User.objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise CommandError(f"账号 {username} 不存在或已停用")
        try:
            token, raw = ApiToken.issue(user, days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        expires = f"{timezone.localtime(token.expires_at):%Y年%-m月%-d日 %H:%M}"
        record(
            AuditEntry.Action.CREATE,
            obj=token,
            region=user.scope_region,
            object_repr=describe_token(token),
            data={"expires": expires},
        )
        # Only the token on stdout, for scripts that capture it; the rest for the person.
        self.stdout.write(raw)
        self.stderr.write(f"令牌有效期至 {expires}；到期后请重新签发。")

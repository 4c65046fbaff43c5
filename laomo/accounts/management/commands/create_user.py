from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from laomo.accounts.models import User
from laomo.accounts.services import set_password_by_admin
from laomo.audit.models import AuditEntry
from laomo.audit.services import record
from laomo.core.roles import Role
from laomo.people.models import Person
from laomo.regions.models import Region
from laomo.schools.models import School


class Command(BaseCommand):
    help = (
        "创建（或更新）一个账号：laomo create-user 用户名 --role 角色 "
        "[--region 代码] [--school ID] [--person ID] --password 密码"
        "（本人首次登录时须修改密码）"
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--region", help="区划代码：市级角色填市，县级角色填县（区）")
        parser.add_argument("--school", type=int, help="学校编号（学校联络人）")
        parser.add_argument("--person", type=int, help="劳模工匠编号（劳模工匠本人）")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="显示名称")

    @transaction.atomic
    def handle(self, *args, username, role, region, school, person, password, name, **options):
        user = User.objects.filter(username=username).first()
        if user is None and (twin := User.objects.filter(username__iexact=username).first()):
            raise CommandError(
                f"已有账号 {twin.username}，与 {username} 只差大小写。用户名不区分大小写："
                f"要更新该账号请写 {twin.username}，要新建账号请换一个用户名"
            )
        created = user is None
        user = user or User(username=username)
        user.role = role
        user.display_name = name or user.display_name
        user.region = _get(Region, region, "code", "区划代码") if region else None
        user.school = _get(School, school, "pk", "学校编号") if school else None
        user.person = _get(Person, person, "pk", "劳模工匠编号") if person else None
        try:
            user.full_clean(exclude=["password"])
            # The same rules as a password set on the site: length, not common, not the username.
            validate_password(password, user)
        except ValidationError as exc:
            messages = (
                [m for ms in exc.message_dict.values() for m in ms]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("；".join(messages)) from exc
        # The administrator knows this password: the user replaces it at their first sign-in.
        set_password_by_admin(user, password)
        user.save()
        record(
            AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE,
            obj=user,
            region=user.scope_region,
            data={"role": role, "source": "create-user"},
        )
        verb = "已创建" if created else "已更新"
        self.stdout.write(self.style.SUCCESS(f"{verb}账号 {username}（{Role(role).label}）"))


def _get(model, value, field, label):
    try:
        return model.objects.unrestricted().get(**{field: value})
    except model.DoesNotExist:
        raise CommandError(f"{label} {value} 不存在") from None

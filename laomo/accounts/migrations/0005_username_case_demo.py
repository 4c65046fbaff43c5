"""User names are unique without regard to case (`SEC-CASE` and `sec-case` cannot both exist,
and either signs in to the one account); the demo's accounts are marked, so that its published
password is refused for every other.

A database that already holds two accounts whose names differ only in case cannot take the
constraint. The migration then stops before changing anything and names them: which of the two
is the person's real account, and what becomes of the other's audit trail, is for an
administrator to decide (rename one in 系统管理 or `laomo shell`, then run `laomo migrate` again).
"""

from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower

import laomo.accounts.models


def refuse_case_duplicates(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    clashes = (
        User.objects.using(schema_editor.connection.alias)
        .annotate(folded=Lower("username"))
        .values("folded")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    groups = []
    for folded in clashes:
        names = User.objects.using(schema_editor.connection.alias).filter(username__iexact=folded)
        groups.append("、".join(sorted(names.values_list("username", flat=True))))
    if groups:
        raise RuntimeError(
            "用户名今后不区分大小写，但以下账号的用户名只差大小写："
            + "；".join(groups)
            + "。请先在系统管理或 laomo shell 中把其中一个改名（或停用后改名），"
            "再运行 laomo migrate。数据库未作改动。"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_api_token_expiry"),
    ]

    operations = [
        migrations.RunPython(refuse_case_duplicates, migrations.RunPython.noop),
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", laomo.accounts.models.AccountManager()),
            ],
        ),
        migrations.AddField(
            model_name="user",
            name="is_demo",
            field=models.BooleanField(
                default=False,
                help_text="由 laomo seed-demo 建立，使用公开的演示密码；其他账号不能使用演示密码",
                verbose_name="演示账号",
            ),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_case_unique",
                violation_error_message="已有只差大小写的同名账号：用户名不区分大小写，请换一个",
            ),
        ),
    ]

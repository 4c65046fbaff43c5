from django.core.management.base import BaseCommand, CommandError

from laomo.core.filemodes import close_all, private_roots


class Command(BaseCommand):
    help = (
        "把存放个人信息的文件改为只有属主可读写（文件 600、目录 700）：上传文件目录（MEDIA_ROOT）、"
        "活动照片目录（LAOMO_PRIVATE_ROOT）、LAOMO_VAR_DIR（数据库、密钥、待导入的花名册）"
        "和 SQLite 数据库文件。逐个打印改动；请以运行应用的账号执行。"
    )

    # Its own check (laomo.W001) would only announce what it is about to fix.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "-q", "--quiet", action="store_true", help="只打印合计，不逐个列出改动的文件"
        )

    def handle(self, *args, quiet, **options):
        try:
            changes = close_all()
        except PermissionError as exc:
            raise CommandError(
                f"无权修改 {exc.filename}：请以运行应用的账号（文件的属主）执行"
            ) from exc
        if not quiet:
            for change in changes:
                self.stdout.write(f"{change.before:04o} → {change.after:04o}  {change.path}")
        roots = "、".join(str(root) for root in private_roots() if root.exists())
        if changes:
            self.stdout.write(self.style.SUCCESS(f"已修改{len(changes)}个文件或目录的权限"))
        else:
            self.stdout.write(self.style.SUCCESS(f"无须修改：{roots} 都只有属主可读"))

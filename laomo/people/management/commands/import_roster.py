from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from laomo.people.models import LectureGroup
from laomo.people.roster import import_roster
from laomo.regions.models import Region


class Command(BaseCommand):
    help = (
        "导入宣讲团成员花名册（.xlsx/.xls/.csv）。全部行无误才写入；有误时逐行报告并以非零状态退出。"
        "同一文件重复导入不产生变化。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--group", help="宣讲团名称：成员导入并加入该宣讲团")
        parser.add_argument("--region", help="不指定宣讲团时，新增人员所属的区划代码（默认为本市）")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")

    def handle(self, *args, file: Path, group, region, dry_run, **options):
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        if file.stat().st_size > settings.LAOMO_IMPORT_MAX_BYTES:
            raise CommandError(
                f"文件过大：上限为 {settings.LAOMO_IMPORT_MAX_BYTES / 1024 / 1024:.0f} MB"
            )
        target_group = None
        if group:
            matches = list(LectureGroup.objects.unrestricted().current().filter(name=group))
            if not matches:
                names = "、".join(
                    LectureGroup.objects.unrestricted()
                    .current()
                    .values_list("name", flat=True)[:20]
                )
                raise CommandError(f"没有名为“{group}”的宣讲团。现有：{names or '（无）'}")
            if len(matches) > 1:
                raise CommandError(f"名为“{group}”的宣讲团不止一个，请先在页面上改名区分")
            target_group = matches[0]
        code = region or settings.LAOMO_CITY_CODE
        target_region = Region.objects.unrestricted().filter(code=code).first()
        if target_region is None and (region or target_group is None):
            raise CommandError(f"区划代码 {code} 不存在")
        report = import_roster(
            file.read_bytes(),
            filename=file.name,
            group=target_group,
            region=target_region,
            dry_run=dry_run,
        )
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"提示：{warning}"))
        if report.errors:
            for problem in report.errors:
                self.stderr.write(
                    self.style.ERROR(str(problem) if problem.row else f"文件：{problem.message}")
                )
            raise CommandError(f"发现 {len(report.errors)} 处问题，未导入任何数据")
        prefix = "检查通过（未写入，--dry-run）：" if dry_run else "导入完成："
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))

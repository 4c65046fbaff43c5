from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from laomo.core import services
from laomo.people.models import LectureGroup
from laomo.people.roster import RosterExporter


class Command(BaseCommand):
    help = (
        "按官方花名册格式导出宣讲团成员：laomo export-roster --group 名称 -o 文件.xlsx"
        "（联系电话打码；加 --full-phones 导出完整电话，审计日志逐人记录）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--group", required=True, help="宣讲团名称")
        parser.add_argument("-o", "--output", required=True, type=Path)
        parser.add_argument(
            "--full-phones",
            action="store_true",
            help="含完整电话（默认打码）；审计日志记下导出了哪些人的号码",
        )

    def handle(self, *args, group, output: Path, full_phones, **options):
        # The same groups import-roster finds by name: archived ones are not meant.
        matches = list(LectureGroup.objects.unrestricted().current().filter(name=group))
        if len(matches) != 1:
            raise CommandError(
                f"没有名为“{group}”的宣讲团" if not matches else f"名为“{group}”的宣讲团不止一个"
            )
        exporter = RosterExporter(matches[0], full_phones=full_phones)
        try:
            output.write_bytes(exporter.render())
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}") from exc
        services.record_export(exporter, actor=None, region=matches[0].region, obj=matches[0])
        phones = "含完整电话，已逐人记入审计日志" if full_phones else "联系电话已打码"
        self.stdout.write(
            self.style.SUCCESS(f"已导出 {exporter.row_count} 人到 {output}（{phones}）")
        )

from django.core.management.base import BaseCommand

from laomo.schools.services import recount_reached


class Command(BaseCommand):
    help = "按已验收的宣讲活动重新计算每所学校的首次覆盖日期（数据修复或批量导入后运行）"

    def handle(self, *args, **options):
        reached = recount_reached()
        self.stdout.write(f"已覆盖学校：{reached} 所")

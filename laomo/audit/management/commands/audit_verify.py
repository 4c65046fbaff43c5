from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from laomo.audit.services import anchor_problem, save_anchor, verify


class Command(BaseCommand):
    help = (
        "核对审计日志的哈希链：从现存最早的一条到最新的一条，逐条核对内容与哈希、与前一条的衔接。"
        "完整时打印条数和最后一条的哈希（可另行记下，供日后比对）；"
        "发现在应用之外被删除、改动或插入的记录时，指出第一条出问题的记录并以非零状态退出。"
        "最后一条记录的编号和哈希记在 LAOMO_AUDIT_ANCHOR 文件中，下次核对时若数据库中已没有它"
        "（数据库被换成了较旧的副本），同样报错。"
    )

    def handle(self, *args, **options):
        verdict = verify()
        if verdict.broken is not None:
            raise CommandError(describe_break(verdict.broken))
        if problem := anchor_problem():
            raise CommandError(problem)
        save_anchor(verdict)
        self.stdout.write(
            self.style.SUCCESS(
                f"审计日志完整：共 {verdict.checked} 条记录，哈希链无断点。"
                f"最后一条的哈希：{verdict.last_hash}"
            )
        )


def describe_break(broken) -> str:
    at = f"{timezone.localtime(broken.at):%Y-%m-%d %H:%M:%S}"
    return f"审计日志的哈希链在编号 {broken.entry_id} 的记录（{at}）处断开：{broken.reason}"

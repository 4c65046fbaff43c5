"""Django's `check`, which also verifies the newest entries of the audit log's hash chain
(`laomo.audit.chain.CHECK_RECENT` of them, a matter of milliseconds); `laomo audit-verify` goes
through all of them. Only this command does it: the system checks that run before every other
command (the server, the backup, migrate on an empty database) are left as they were."""

from django.core.management.base import CommandError
from django.core.management.commands import check
from django.db import DatabaseError

from laomo.audit.chain import CHECK_RECENT
from laomo.audit.management.commands.audit_verify import describe_break
from laomo.audit.services import anchor_problem, verify


class Command(check.Command):
    def handle(self, *app_labels, **options):
        super().handle(*app_labels, **options)
        if app_labels or options.get("tags") or options.get("list_tags"):
            return
        try:
            verdict = verify(recent=CHECK_RECENT)
        except DatabaseError:
            self.stdout.write("审计日志：数据库尚未迁移，未核对哈希链。")
            return
        if verdict.broken is not None:
            raise CommandError(describe_break(verdict.broken) + "（完整核对：laomo audit-verify）")
        if problem := anchor_problem():
            raise CommandError(problem)
        self.stdout.write(f"审计日志：最新 {verdict.checked} 条记录的哈希链完整。")

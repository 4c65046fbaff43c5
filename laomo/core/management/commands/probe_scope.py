import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from laomo.core import probe
from laomo.core.roles import Role


class Command(BaseCommand):
    help = (
        "区划隔离探查：每个角色把每个带对象编号的页面地址（取自路由表）"
        "和每个 API 操作（取自 OpenAPI 文档）都拿范围以外（外市、邻县）的对象去请求，"
        "核对一律拒绝（404，或该地址不接受此方法时的 405）、数据库没有任何改动、"
        "拒绝时不显示对象的名称和电话，并打印各角色的请求数、拒绝、泄露、500 和写入。"
        "默认在临时建立、用后删除的数据库中进行；--here 在当前数据库中进行，"
        "全部在事务中并最终回滚。有任何泄露、500、写入或意外状态时以非零状态退出。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--role",
            action="append",
            choices=Role.values,
            help="只探查这个角色（可重复）；默认全部角色",
        )
        parser.add_argument(
            "--here",
            action="store_true",
            help="在当前配置的数据库中探查（事务最终回滚，不留任何数据）；默认用临时数据库",
        )

    def handle(self, *args, role=None, here=False, **options):
        if here:
            figures, problems, routes = probe.run_probe(role)
        else:
            figures, problems, routes = self._in_throwaway_database(role)
        self.stdout.write(f"探查了 {routes} 个地址和操作（每个角色、每个范围以外的地方各一次）：\n")
        self.stdout.write(probe.table(figures))
        failures = [line for f in figures for line in f.problems] + problems
        if failures:
            self.stderr.write("\n问题：")
            for line in failures[:200]:
                self.stderr.write(f"  {line}")
            if len(failures) > 200:
                self.stderr.write(f"  ……另有 {len(failures) - 200} 项")
            raise CommandError(f"区划隔离探查发现 {len(failures)} 个问题")
        self.stdout.write(self.style.SUCCESS("\n没有泄露、没有 500、没有写入。"))

    def _in_throwaway_database(self, roles):
        """A new, empty database of the same kind, migrated, probed and dropped (Django's test
        database machinery; on PostgreSQL named after this process, so that it meets no test run's
        database)."""
        test = connection.settings_dict.setdefault("TEST", {})
        if connection.vendor == "postgresql":
            test["NAME"] = f"laomo_probe_{os.getpid()}"
        old_name = connection.settings_dict["NAME"]
        self.stdout.write("建立临时数据库并迁移……")
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            return probe.run_probe(roles)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)

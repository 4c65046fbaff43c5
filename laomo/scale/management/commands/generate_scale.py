"""laomo generate-scale --preset city|province|national [--seed N] [--force]"""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from laomo.scale.generator import ScaleError, generate
from laomo.scale.presets import PRESETS


class Command(BaseCommand):
    help = (
        "生成规模测试数据：一个市、一个省或全国规模的虚构宣讲数据（行政区划、学校、劳模工匠、"
        "宣讲团、五年的宣讲活动、报送与照片记录、账号），写入 DATABASE_URL 所指的数据库。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
        parser.add_argument("--seed", type=int, default=20231012, help="随机种子（默认 20231012）")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="以哪一天为“今天”（YYYY-MM-DD，默认今天）：此前的活动已举办，此后的在计划中",
        )
        parser.add_argument("--password", help="所有生成账号的密码（默认随机生成并打印）")
        parser.add_argument(
            "--force", action="store_true", help="数据库已有宣讲活动时，先清空整个数据库再生成"
        )

    def handle(self, *args, preset, seed, today, password, force, **options):
        spec = PRESETS[preset]
        where = connection.settings_dict["NAME"]
        self.stdout.write(
            f"生成 {spec.label}（{preset}，种子 {seed}）→ {connection.vendor} {where}"
        )
        try:
            summary = generate(
                spec,
                seed=seed,
                today=today,
                password=password,
                force=force,
                log=self.stdout.write,
            )
        except ScaleError as exc:
            raise CommandError(str(exc)) from exc
        counts = summary.counts
        self.stdout.write(f"完成，共 {summary.elapsed:.1f} 秒。")
        self.stdout.write(
            "  区划 {regions}（市 {cities}，县级 {county_units}）；学校 {schools}（已覆盖 "
            "{schools_reached}）；劳模工匠 {people}，荣誉 {honours}；宣讲团 {groups}，成员 "
            "{memberships}".format(**counts)
        )
        self.stdout.write(
            "  宣讲活动 {talks}；邀请 {bookings}；报送 {reports}；照片记录 {photos}".format(
                talks=counts.get("talks", 0),
                bookings=sum(v for k, v in counts.items() if k.startswith("bookings_")),
                reports=sum(v for k, v in counts.items() if k.startswith("reports_")),
                photos=counts.get("photos", 0),
            )
        )
        biggest = sorted(summary.writes.items(), key=lambda item: -item[1][0])[:5]
        self.stdout.write(
            "  其中写入耗时："
            + "；".join(
                f"{table} {rows:,} 行 {seconds:.1f} 秒" for table, (rows, seconds) in biggest
            )
        )
        statuses = "、".join(
            f"{key.removeprefix('talks_')} {value}"
            for key, value in sorted(counts.items())
            if key.startswith("talks_") and not key.startswith(("talks_level_", "talks_skipped"))
        )
        self.stdout.write(f"  状态：{statuses}")
        accounts = summary.accounts
        self.stdout.write(f"账号（密码均为 {accounts.password}）：")
        self.stdout.write(f"  全国汇总：{accounts.national}")
        self.stdout.write(f"  市总工会：{self._sample(accounts.cities)}")
        self.stdout.write(f"  县（区）总工会：{self._sample(accounts.counties)}")
        self.stdout.write("未写入修改历史（django-simple-history）、消息和审计记录。")

    @staticmethod
    def _sample(usernames: list[str]) -> str:
        if len(usernames) <= 8:
            return "、".join(usernames)
        return "、".join(usernames[:6]) + f" …… 共 {len(usernames)} 个（city-/county-加区划代码）"

from django.core.management.base import BaseCommand

from laomo.core import demo


class Command(BaseCommand):
    help = "载入演示数据（固原市、各县区、学校、宣讲团、各角色演示账号、宣讲活动）；可重复运行"

    def handle(self, *args, **options):
        seeded = demo.seed()
        logins = seeded.logins
        self.stdout.write(self.style.SUCCESS("演示数据已就绪（标记为“演示”的内容均为虚构）。"))
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {demo.DEMO_PASSWORD}）：")
        width = max(len(login.username) for login in logins) + 2
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}{login.role}（{login.where}）")
        if seeded.talks is not None:
            self.stdout.write("")
            self.stdout.write(str(seeded.talks))

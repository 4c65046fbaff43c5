from django.core.management.base import BaseCommand

from laomo.outreach.services import send_reminders


class Command(BaseCommand):
    help = (
        "发送每日提醒：活动前两天提醒学校；活动时间已过仍未标记举办（也未取消）的提醒组织者；"
        "活动结束七天仍未报送资料的提醒组织者。"
        "每条提醒只发一次，可由 cron 或 systemd 定时器每天运行。"
    )

    def handle(self, *args, **options):
        counts = send_reminders()
        self.stdout.write(
            f"已发送：活动前提醒 {counts['upcoming']} 条，时间已过提醒 {counts['lapsed']} 条，"
            f"报送催办 {counts['overdue']} 条"
        )

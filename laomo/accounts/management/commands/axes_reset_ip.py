"""django-axes's `axes_reset_ip`, through `reset_lockout`
(laomo.accounts.services), so that lifting a lockout is recorded in the audit log."""

from axes.management.commands import axes_reset_ip as axes_command

from laomo.accounts.services import reset_lockout


class Command(axes_command.Command):
    def handle(self, *args, **options):
        count = 0
        for ip in options["ip"]:
            count += reset_lockout(ip=ip)
        if count:
            self.stdout.write(f"已清除 {count} 条登录失败记录，相应锁定已解除（已记入审计日志）。")
        else:
            self.stdout.write("没有找到登录失败记录（已记入审计日志）。")

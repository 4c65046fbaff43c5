from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "laomo.outreach"
    verbose_name = "宣讲活动"

    def ready(self):
        from laomo.outreach import checks  # noqa: F401 - registers the system checks

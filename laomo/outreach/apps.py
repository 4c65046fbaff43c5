from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "laomo.outreach"
    verbose_name = "宣讲活动"

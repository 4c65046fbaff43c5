from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "laomo.notices"
    verbose_name = "消息提醒"

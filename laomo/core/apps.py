from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "laomo.core"
    verbose_name = "公共"

from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "laomo.oversight"
    verbose_name = "统计与督导"

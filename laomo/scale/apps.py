from django.apps import AppConfig


class ScaleConfig(AppConfig):
    name = "laomo.scale"
    verbose_name = "规模数据生成"

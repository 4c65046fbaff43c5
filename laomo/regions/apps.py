from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "laomo.regions"
    verbose_name = "行政区划与组织"

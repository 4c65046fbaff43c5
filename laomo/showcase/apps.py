from django.apps import AppConfig


class ShowcaseConfig(AppConfig):
    name = "laomo.showcase"
    verbose_name = "公开展示"

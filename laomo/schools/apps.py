from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "laomo.schools"
    verbose_name = "学校"

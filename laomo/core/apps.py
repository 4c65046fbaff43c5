from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "laomo.core"
    verbose_name = "公共"

    def ready(self):
        from laomo.core import checks  # noqa: F401 - registers the system checks

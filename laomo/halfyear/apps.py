from django.apps import AppConfig


class HalfyearConfig(AppConfig):
    name = "laomo.halfyear"
    verbose_name = "半年报"

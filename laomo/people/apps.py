from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "laomo.people"
    verbose_name = "劳模工匠与宣讲团"

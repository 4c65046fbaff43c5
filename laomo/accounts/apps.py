from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "laomo.accounts"
    verbose_name = "账号"

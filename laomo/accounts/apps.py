from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "laomo.accounts"
    verbose_name = "账号"

    def ready(self):
        from laomo.accounts import signals  # noqa: F401 - connects the sign-in audit receivers

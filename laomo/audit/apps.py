from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "laomo.audit"
    verbose_name = "审计"

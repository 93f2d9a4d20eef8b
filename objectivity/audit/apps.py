from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "objectivity.audit"
    label = "audit"
    verbose_name = "audit"

from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "objectivity.access"
    label = "access"
    verbose_name = "access"

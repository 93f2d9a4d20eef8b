from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "objectivity.core"
    label = "core"
    verbose_name = "core"

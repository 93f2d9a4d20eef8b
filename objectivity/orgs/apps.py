from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "objectivity.orgs"
    label = "orgs"
    verbose_name = "orgs"

    def ready(self) -> None:
        from objectivity.orgs import jobs  # noqa: F401  (registers job handlers)

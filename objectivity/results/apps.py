from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "objectivity.results"
    verbose_name = "Results"

    def ready(self) -> None:
        from objectivity.results import jobs  # noqa: F401  (registers the job handlers)

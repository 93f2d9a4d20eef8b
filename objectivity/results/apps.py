from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "objectivity.results"
    verbose_name = "Results"

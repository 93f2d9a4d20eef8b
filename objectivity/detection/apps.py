from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "objectivity.detection"
    verbose_name = "Detection"

    def ready(self) -> None:
        from objectivity.detection import jobs  # noqa: F401  (registers the job handlers)

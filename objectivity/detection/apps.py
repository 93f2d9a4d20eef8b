from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "objectivity.detection"
    verbose_name = "Detection"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import VIEW_FINDINGS
        from objectivity.core.navigation import add_section

        add_section(30, _("Signs"), "run-list", VIEW_FINDINGS)
        from objectivity.detection import jobs  # noqa: F401  (registers the job handlers)

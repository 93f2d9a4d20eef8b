from django.apps import AppConfig


class DetectionConfig(AppConfig):
    name = "objectivity.detection"
    url_prefix = "detection/"  # objectivity/urls.py includes this app's urls here
    verbose_name = "Detection"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import VIEW_FINDINGS
        from objectivity.core.navigation import add_section

        add_section(30, _("Signs"), "run-list", VIEW_FINDINGS)
        from objectivity.core.demo import add_demo_step
        from objectivity.detection import jobs  # noqa: F401  (registers the job handlers)
        from objectivity.detection.demo import load_detection

        add_demo_step(40, "detection", load_detection)
        from objectivity.core.cycle import Step, add_cycle_step
        from objectivity.detection.panels import detection_step

        add_cycle_step(Step("detection", 20, _("Signs are computed"), _("June"), detection_step))

        from objectivity.core import typography
        from objectivity.core.auditing import register_audit_words
        from objectivity.detection.thresholds import THRESHOLDS

        register_audit_words(
            "detection.DetectionSettings",
            keys={t.key: t.label for t in THRESHOLDS},
            values={t.key: typography.threshold for t in THRESHOLDS},
        )
        register_audit_words(
            "detection.DetectionRun", keys={"settings": _("version of the thresholds"), "works": _("works")}
        )

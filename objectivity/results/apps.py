from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "objectivity.results"
    verbose_name = "Results"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import IMPORT_RESULTS, VIEW_RESULTS
        from objectivity.core.navigation import add_section

        add_section(20, _("Results"), "results-home", VIEW_RESULTS)
        add_section(21, _("Import results"), "results-import", IMPORT_RESULTS)
        from objectivity.results import jobs  # noqa: F401  (registers the job handlers)

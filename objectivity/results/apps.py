from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "objectivity.results"
    url_prefix = "results/"  # objectivity/urls.py includes this app's urls here
    verbose_name = "Results"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import IMPORT_RESULTS, VIEW_RESULTS
        from objectivity.core.navigation import add_section

        add_section(20, _("Results"), "results-home", VIEW_RESULTS)
        add_section(21, _("Import results"), "results-import", IMPORT_RESULTS)
        from objectivity.core.demo import add_demo_step
        from objectivity.results import jobs  # noqa: F401  (registers the job handlers)
        from objectivity.results.demo import load_results

        add_demo_step(30, "results", load_results)

        from objectivity.core.auditing import register_audit_words

        register_audit_words(
            "results.ResultImport",
            keys={
                "work": _("work"),
                "replaced": _("replaced imports"),
                "parquet": _("stored results file"),
                "original": _("original file"),
                "withdrawn_at": _("withdrawn"),
            },
            refs={"replaced": "results.ResultImport"},
        )
        register_audit_words("results.ControlSample", keys={"school": _("school (login)")})
        from objectivity.core.panels import START_REGION, add_panel
        from objectivity.results.panels import region_start_panel

        add_panel(START_REGION, "results", order=20, template="results/start_panel.html", context=region_start_panel)
        from objectivity.core.cycle import Step, add_cycle_step
        from objectivity.results.panels import results_step

        add_cycle_step(Step("results", 10, _("ВПР results are imported"), _("May–June"), results_step))

from django.apps import AppConfig

VIEW_LIST = "reports.view_list"
IMPORT_FEDERAL = "reports.import_federal_list"
EDIT_REPORT_TEXTS = "reports.edit_report_texts"


class ReportsConfig(AppConfig):
    name = "objectivity.reports"
    url_prefix = "reports/"  # objectivity/urls.py includes this app's urls here
    verbose_name = "Reports"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import VIEW_FINDINGS, add_permission
        from objectivity.core.navigation import add_section
        from objectivity.reports import columns

        # A school sees its own row of the list (its signs in words); coordinators their municipality's; the region all.
        add_permission(
            VIEW_LIST,
            _("view the list of schools with signs of non-objective results"),
            granted_to=[
                "federal_analyst",
                "region_admin",
                "region_analyst",
                "oiv_official",
                "methodologist",
                "municipal_coordinator",
                "mms_methodologist",
                "school_admin",
            ],
        )
        add_permission(
            IMPORT_FEDERAL,
            _("import the federal list of schools with markers"),
            granted_to=["region_admin", "region_analyst"],
        )
        add_section(35, _("The list"), "school-list-of-signs", VIEW_LIST)
        add_section(37, _("The federal list"), "federal-list", VIEW_FINDINGS)
        add_section(36, _("Analytics"), "region-dashboard", VIEW_FINDINGS)
        columns.register_builtin()
        self._register_panels()
        from objectivity.reports import analytic

        analytic.register_builtin()
        add_permission(
            EDIT_REPORT_TEXTS,
            _("edit the text sections of the regional analytic report"),
            granted_to=["region_admin", "region_analyst"],
        )

    def _register_panels(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.core import panels as slots
        from objectivity.core.cycle import Step, add_cycle_step
        from objectivity.reports import panels

        for slot in (slots.ATTENTION_REGION, slots.ATTENTION_MUNICIPALITY):
            slots.add_panel(
                slot, "list", order=10, template="reports/attention_panel.html", context=panels.attention_panel
            )
        school_panel = "reports/school_card_panel.html"  # a school's start page shows what its card shows
        slots.add_panel(
            slots.ATTENTION_SCHOOL, "list", order=10, template=school_panel, context=panels.school_attention_panel
        )
        slots.add_panel(slots.SCHOOL_CARD, "signs", order=20, template=school_panel, context=panels.school_card_panel)
        add_cycle_step(
            Step("list", 30, _("The list of schools with signs is drawn"), _("June–August"), panels.list_step)
        )

from django.apps import AppConfig

VIEW_LIST = "reports.view_list"
IMPORT_FEDERAL = "reports.import_federal_list"


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
        add_section(36, _("The federal list"), "federal-list", VIEW_FINDINGS)
        columns.register_builtin()

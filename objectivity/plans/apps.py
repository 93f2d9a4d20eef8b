from django.apps import AppConfig

VIEW_PLANS = "plans.view"
EDIT_PLANS = "plans.edit"  # make and amend plans of its scope, edit measures, accept or return reports


class PlansConfig(AppConfig):
    name = "objectivity.plans"
    url_prefix = "plans/"  # objectivity/urls.py includes this app's urls here
    verbose_name = "Plans of measures"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import add_permission
        from objectivity.core.auditing import register_audit_words
        from objectivity.core.navigation import add_section

        # A school sees and edits its own plan; a municipality its own and its schools'; the region all of its region.
        add_permission(
            VIEW_PLANS,
            _("view plans of measures"),
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
            EDIT_PLANS,
            _("make plans of measures and control their execution"),
            granted_to=["region_admin", "region_analyst", "oiv_official", "municipal_coordinator", "school_admin"],
        )
        add_section(40, _("Plans of measures"), "plan-list", VIEW_PLANS)
        register_audit_words(
            "plans.Measure",
            keys={"executors": _("executors"), "schools": _("schools"), "assessments": _("works")},
        )
        register_audit_words("plans.ExecutionReport", keys={"files": _("files")})

        # ---- Start pages: «Сроки по планам мероприятий» (what is due and overdue for the person looking) ----
        from objectivity.core import panels as slots
        from objectivity.plans import panels

        for slot in (slots.ATTENTION_REGION, slots.ATTENTION_MUNICIPALITY, slots.ATTENTION_SCHOOL):
            slots.add_panel(slot, "plans-due", order=20, template="plans/due_panel.html", context=panels.due_panel)
        slots.add_panel(
            slots.SCHOOL_CARD,
            "plans",
            order=40,
            template="plans/school_card_panel.html",
            context=panels.school_card_panel,
        )

        # ---- The demo region's plans (after detection: school plans go to schools with signs) ----
        from objectivity.core.demo import add_demo_step
        from objectivity.plans.demo import load_plans

        add_demo_step(50, "plans", load_plans)

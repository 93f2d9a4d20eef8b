"""A new app, plugged in by its folder and one line in INSTALLED_APPS (tests/plugin_app/settings.py): it adds
its pages, menu section, permission, start-page and school-card panels, a job with its result template, a demo
step and its person fields, and edits no file of objectivity/."""

from django.apps import AppConfig

VIEW_NOTES = "plugin_app.view_notes"


class PluginAppConfig(AppConfig):
    name = "tests.plugin_app"
    label = "plugin_app"
    url_prefix = "notes/"

    def ready(self) -> None:
        from objectivity.authz.roles import add_permission
        from objectivity.core.auditing import register_person_fields
        from objectivity.core.demo import add_demo_step
        from objectivity.core.navigation import add_section
        from objectivity.core.panels import SCHOOL_CARD, START_REGION, add_panel
        from tests.plugin_app import jobs  # noqa: F401  (registers the job handler)
        from tests.plugin_app.demo import load_notes
        from tests.plugin_app.views import notes_panel, region_panel

        add_permission(VIEW_NOTES, "view notes", granted_to=["region_admin", "municipal_coordinator"])
        add_section(70, "Notes", "note-list", VIEW_NOTES)
        add_panel(START_REGION, "notes", order=90, template="plugin_app/region_panel.html", context=region_panel)
        add_panel(SCHOOL_CARD, "notes", order=90, template="plugin_app/school_panel.html", context=notes_panel)
        add_demo_step(90, "notes", load_notes)
        register_person_fields("plugin_app.Note", ("author_name",))

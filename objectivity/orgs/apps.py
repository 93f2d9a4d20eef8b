from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "objectivity.orgs"
    url_prefix = "orgs/"  # objectivity/urls.py includes this app's urls here
    label = "orgs"
    verbose_name = "orgs"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import IMPORT_REGISTRY, VIEW_ORGS
        from objectivity.core.navigation import add_section

        add_section(10, _("Schools"), "school-list", VIEW_ORGS)
        add_section(11, _("Municipalities"), "municipality-list", VIEW_ORGS)
        add_section(12, _("Bodies"), "body-list", VIEW_ORGS)
        add_section(40, _("Registry import"), "registry-import", IMPORT_REGISTRY)
        from objectivity.core.demo import add_demo_step
        from objectivity.orgs import jobs  # noqa: F401  (registers job handlers)
        from objectivity.orgs.demo import load_orgs

        add_demo_step(10, "orgs", load_orgs)

        from objectivity.core.auditing import register_audit_words

        register_audit_words(
            "orgs.Registry",
            name=_("registry of schools"),
            keys={
                "new_municipalities": _("new municipalities"),
                "file_error": _("error of the file"),
                "skipped": _("rows skipped"),
                "skipped_examples": _("skipped, for example"),
                "no_municipality": _("schools without a municipality"),
                "no_municipality_name": _("their municipality"),
                "columns": _("columns"),
            },
        )

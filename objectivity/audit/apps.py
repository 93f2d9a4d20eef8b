from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "objectivity.audit"
    label = "audit"
    verbose_name = "audit"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import VIEW_AUDIT
        from objectivity.core.navigation import add_section

        add_section(60, _("Audit log"), "audit-list", VIEW_AUDIT)

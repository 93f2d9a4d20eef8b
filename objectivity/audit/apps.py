from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "objectivity.audit"
    url_prefix = "audit/"  # objectivity/urls.py includes this app's urls here
    label = "audit"
    verbose_name = "audit"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.audit.models import AuditEvent
        from objectivity.audit.words import SUMMARY_KEYS
        from objectivity.authz.roles import VIEW_AUDIT
        from objectivity.core.auditing import Sink, register_audit_words, register_sink
        from objectivity.core.bulk import bulk_insert
        from objectivity.core.navigation import add_section

        register_sink(Sink(build=AuditEvent, save_many=bulk_insert))
        register_audit_words("", keys=SUMMARY_KEYS)
        add_section(60, _("Audit log"), "audit-list", VIEW_AUDIT)

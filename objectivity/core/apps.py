from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "objectivity.core"
    url_prefix = ""  # objectivity/urls.py includes this app's urls here
    label = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.core.navigation import add_section

        add_section(90, _("Jobs"), "job-list")

        from objectivity.core.auditing import register_audit_words

        register_audit_words(
            "core.Backup",
            name=_("backup"),
            keys={"archive": _("archive"), "created_at": _("made")},
            values={"created_at": _backup_time},
        )


def _backup_time(value) -> str:
    """A backup's moment, recorded as ISO text, in the region's time zone."""
    import datetime

    from objectivity.core import typography

    try:
        return typography.ru_datetime(datetime.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)

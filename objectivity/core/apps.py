from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "objectivity.core"
    url_prefix = ""  # objectivity/urls.py includes this app's urls here
    label = "core"
    verbose_name = "core"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import VIEW_CALENDAR
        from objectivity.core.navigation import add_footer_link, add_section

        add_section(90, _("Jobs"), "job-list")
        # Everyone reads the calendar, few every day: the footer keeps the menu for daily work.
        add_footer_link(10, _("Production calendar"), "calendar", VIEW_CALENDAR)

        from django.db.models.signals import post_delete, post_save

        from objectivity.core.models import CalendarDay

        post_save.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="core.workdays.saved")
        post_delete.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="core.workdays.deleted")

        from objectivity.core.auditing import register_audit_words

        register_audit_words(
            "core.Backup",
            name=_("backup"),
            keys={"archive": _("archive"), "created_at": _("made")},
            values={"created_at": _backup_time},
        )


def _calendar_changed(sender, **kwargs) -> None:
    """A day of the production calendar was saved or deleted: the working-days service reads overrides again."""
    from objectivity.core.workdays import clear_cache

    clear_cache()


def _backup_time(value) -> str:
    """A backup's moment, recorded as ISO text, in the region's time zone."""
    import datetime

    from objectivity.core import typography

    try:
        return typography.ru_datetime(datetime.datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return str(value)

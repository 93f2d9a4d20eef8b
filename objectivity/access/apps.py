from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "objectivity.access"
    label = "access"
    verbose_name = "access"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.audit.personal import register_person_fields
        from objectivity.authz.roles import MANAGE_USERS, VIEW_PEOPLE
        from objectivity.core.navigation import add_section

        add_section(50, _("Users"), "user-list", VIEW_PEOPLE, MANAGE_USERS)
        register_person_fields("access.User", ("last_name", "first_name", "middle_name", "email", "position"))

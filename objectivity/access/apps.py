from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "objectivity.access"
    url_prefix = ""  # objectivity/urls.py includes this app's urls here
    label = "access"
    verbose_name = "access"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.authz.roles import MANAGE_USERS, VIEW_PEOPLE, role_label
        from objectivity.core.auditing import register_audit_words, register_person_fields
        from objectivity.core.navigation import add_section

        add_section(50, _("Users"), "user-list", VIEW_PEOPLE, MANAGE_USERS)
        register_person_fields("access.User", ("last_name", "first_name", "middle_name", "email", "position"))
        register_audit_words(
            "access.User",
            keys={
                "user_ids": _("whose data"),
                "rows_with_personal_data": _("rows with personal data"),
                "username": _("login"),
                "blocked": _("login blocked"),
                "school": _("school (login)"),
            },
            refs={"user_ids": "access.User"},
            values={"role": role_label},
        )
        register_audit_words("access.Membership", keys={"user": _("user"), "scope": _("where")})
        register_audit_words("access.Assignment", keys={"user": _("user")})
        from objectivity.access.demo import load_users
        from objectivity.core.demo import add_demo_step

        add_demo_step(20, "access", load_users)
        from objectivity.access.people import school_people_panel
        from objectivity.core.panels import SCHOOL_CARD, add_panel

        add_panel(
            SCHOOL_CARD, "people", order=10, template="access/school_people_panel.html", context=school_people_panel
        )

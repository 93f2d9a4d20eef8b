from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "objectivity.access"
    label = "access"
    verbose_name = "access"

    def ready(self) -> None:
        from objectivity.audit.personal import register_person_fields

        register_person_fields("access.User", ("last_name", "first_name", "middle_name", "email", "position"))

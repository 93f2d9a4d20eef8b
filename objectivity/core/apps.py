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

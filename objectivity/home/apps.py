from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The start pages and the demo loader: the one app that may use every other (none uses it)."""

    name = "objectivity.home"
    url_prefix = ""  # objectivity/urls.py includes this app's urls here
    label = "home"
    verbose_name = "home"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from objectivity.core.navigation import add_section

        add_section(0, _("Start"), "home")

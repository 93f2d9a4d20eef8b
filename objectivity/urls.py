"""Every installed app that declares `url_prefix` on its AppConfig brings its `urls` module under that prefix:
adding an app edits no URL list."""

from django.apps import apps
from django.urls import include, path


def _app_urls() -> list:
    prefixes = {config.name: getattr(config, "url_prefix", None) for config in apps.get_app_configs()}
    return [path(prefix, include(f"{name}.urls")) for name, prefix in prefixes.items() if prefix is not None]


urlpatterns = _app_urls()

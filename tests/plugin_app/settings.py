"""The test settings with one more app: the whole of what adding an app takes."""

from tests.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "tests.plugin_app"]  # noqa: F405
DATABASES["default"]["TEST"] = {  # noqa: F405
    **DATABASES["default"].get("TEST", {}),  # noqa: F405
    "NAME": str(DATA_DIR / "plugin.sqlite3")  # noqa: F405
    if DATABASES["default"]["ENGINE"].endswith("sqlite3")  # noqa: F405
    else "test_objectivity_plugin_app",
}

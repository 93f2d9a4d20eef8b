"""Test settings: the production settings, with a temporary DATA_DIR, fast hashing and immediate tasks."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-that-is-long-enough-for-django-checks-1234567890")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("FAST_PASSWORD_HASHER", "1")
os.environ.setdefault("TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
os.environ.setdefault("PLAIN_STATIC", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
# One directory per test session, shared with the subprocesses the tests start (worker, CLI).
os.environ["DATA_DIR"] = os.environ.setdefault(
    "OBJECTIVITY_TEST_DATA_DIR", tempfile.mkdtemp(prefix="objectivity-test-")
)

from objectivity.settings import *  # noqa: E402,F403

LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory: the backup tests copy it and the live server shares it.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# A second task backend: the real database queue, for the test that runs the real worker.
TASKS["db"] = {"BACKEND": "django_tasks_db.DatabaseBackend"}  # noqa: F405

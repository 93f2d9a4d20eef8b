"""Django settings, all from environment variables (see .env.sample for the full list)."""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from objectivity.conf import env_bool, env_int, env_list, env_path, env_str, throwaway_secret_key

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent

DEBUG = env_bool("DEBUG", False)
# Required unless DEBUG; the console script lets help and the file-only commands run without it.
SECRET_KEY = env_str("SECRET_KEY", "insecure-dev-key-change-me" if DEBUG else throwaway_secret_key())
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

DATA_DIR = env_path("DATA_DIR", PROJECT_DIR / "var")
UPLOAD_DIR = DATA_DIR / "uploads"
DATA_DIR.mkdir(parents=True, exist_ok=True)  # SQLite, uploads and Parquet live here

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "objectivity.core",
    "objectivity.access",
    "objectivity.orgs",
    "objectivity.audit",
    "objectivity.results",
    "objectivity.detection",
    "objectivity.reports",
    "objectivity.plans",
    "objectivity.home",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "objectivity.core.middleware.UploadSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "objectivity.access.middleware.RequestIpMiddleware",
    "objectivity.access.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "objectivity.core.table_export.TableExportMiddleware",  # ?table=…&format=xlsx: a page's table as XLSX
]

ROOT_URLCONF = "objectivity.urls"
WSGI_APPLICATION = "objectivity.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "objectivity.core.context.navigation",
            ],
        },
    },
    {
        # The parts of pages that repeat many times per request (a table's rows, its filter bar) at a quarter of
        # the cost of Django's engine (ADR 0013); the pages stay Django templates.
        "NAME": "jinja2",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "objectivity.core.jinja.environment", "autoescape": True},
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'objectivity.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the web server read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "access.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "objectivity.access.hashers.TemporaryPasswordHasher",  # generated temporary passwords only
]
if env_bool("FAST_PASSWORD_HASHER", False):  # tests only: Argon2 is slow by design
    PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "objectivity.access.hashers.TemporaryPasswordHasher",
    ]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Behind nginx every request comes from 127.0.0.1: name the header nginx sets, e.g. HTTP_X_REAL_IP.
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER", "")

# Login lock-out by django-axes (ADR 0012): failures counted in the database, per login and per address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out login before any password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)  # per login; an address gets 4 times as many
AXES_COOLOFF_TIME = timedelta(seconds=env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_HANDLER = "objectivity.access.lockout.LockoutHandler"  # the two limits, and a success forgets the login's
AXES_USERNAME_CALLABLE = "objectivity.access.lockout.login_key"  # case aside
AXES_CLIENT_IP_CALLABLE = "objectivity.access.middleware.client_ip"  # the address the audit log records
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a try refused while locked out does not prolong the lock
AXES_NEVER_LOCKOUT_GET = True  # the login page itself is always shown
AXES_DISABLE_ACCESS_LOG = True  # logins and logouts are in the audit log
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]  # masked in the stored POST
# No AxesMiddleware: the login view answers a locked-out login itself, so the refusal is in the audit log.
SILENCED_SYSTEM_CHECKS = ["axes.W002"]

LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("PLAIN_STATIC", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or env_bool("PLAIN_STATIC", False)

# Uploads: refuse anything larger before it reaches a view.
MAX_UPLOAD_MB = env_int("MAX_UPLOAD_MB", 50)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

# Files users give (uploads and the command line), checked before reading (objectivity.core.bounded).
FILE_LIMITS_MAX_MB = env_int("FILE_LIMITS_MAX_MB", 1024)
FILE_LIMITS_MAX_UNPACKED_MB = env_int("FILE_LIMITS_MAX_UNPACKED_MB", 1024)
FILE_LIMITS_MAX_RATIO = env_int("FILE_LIMITS_MAX_RATIO", 100)  # real exports pack 8-21 times
FILE_LIMITS_MAX_SHEETS = env_int("FILE_LIMITS_MAX_SHEETS", 50)
FILE_LIMITS_MAX_COLUMNS = env_int("FILE_LIMITS_MAX_COLUMNS", 1000)  # real exports have about 40
FILE_LIMITS_MAX_CELLS = env_int("FILE_LIMITS_MAX_CELLS", 50_000_000)  # declared by a sheet: rows × columns
FILE_LIMITS_READER_MEMORY_MB = env_int("FILE_LIMITS_READER_MEMORY_MB", 4096)
FILE_LIMITS_READER_SECONDS = env_int("FILE_LIMITS_READER_SECONDS", 300)

# Results: pupil rows as Parquet (one file per import) and the original files, under DATA_DIR.
RESULTS_DIR = DATA_DIR / "results"
RESULTS_MAX_ROWS = env_int("RESULTS_MAX_ROWS", 2_000_000)
RESULTS_KEEP_DAYS = env_int("RESULTS_KEEP_DAYS", 365)

# Plans of measures: evidence files of execution reports, and reminders of what falls due.
PLAN_EVIDENCE_MAX_MB = env_int("PLAN_EVIDENCE_MAX_MB", 20)
PLAN_EVIDENCE_MAX_FILES = env_int("PLAN_EVIDENCE_MAX_FILES", 10)  # per report
PLAN_EVIDENCE_RETENTION_DAYS = env_int("PLAN_EVIDENCE_RETENTION_DAYS", 5 * 365)
PLAN_REMINDER_WORKING_DAYS = env_int("PLAN_REMINDER_WORKING_DAYS", 3)  # remind this many working days ahead

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_FILE_PATH = str(DATA_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "objectivity@localhost")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Security: secure cookies and HSTS unless explicitly running over plain HTTP (demo, tests).
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # each failed login and lock-out, not every check and clean-up
        "weasyprint": {"level": "WARNING"},  # not a line per laid-out page of every PDF
        "fontTools": {"level": "WARNING"},  # WeasyPrint's font subsetting
    },
}

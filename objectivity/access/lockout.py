"""Login lock-out by django-axes (ADR 0012): the login a try counts against, and the project's two limits.

Axes keeps failed logins in the database, so every gunicorn process sees the same count, and forgets them
AXES_COOLOFF_TIME after the last one. The project's rules that Axes has no setting for live here: a login counts
case aside, an address may fail ADDRESS_SHARE times as often as one login, and a successful login forgets that
login's failures (from every address) but not an address's failures for other logins.
"""

import unicodedata

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.db.models import QuerySet, Sum

from objectivity.core.params import clean_text

# An address may fail for several logins (a shared school computer), but not endlessly.
ADDRESS_SHARE = 4


def login_key(request, credentials: dict | None) -> str:
    """The login a try counts against (AXES_USERNAME_CALLABLE): as Django's login form cleans it (NFKC,
    stripped), without NUL characters (PostgreSQL refuses them), in lower case so «Analyst» is «analyst»."""
    typed = credentials.get("username") if credentials else request.POST.get("username")
    return unicodedata.normalize("NFKC", clean_text(typed or "", max_length=150)).strip().lower()


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler with a limit per login and a wider one per address."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures held against AXES_FAILURE_LIMIT: the login's own, or its address's share if more."""
        recent = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request))
        by_login = _failures(recent.filter(username=get_client_username(request, credentials)))
        address = request.axes_ip_address
        by_address = _failures(recent.filter(ip_address=address)) if address else 0
        return max(by_login, by_address // ADDRESS_SHARE)

    def user_logged_in(self, sender, request, user, **kwargs) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        self.reset_attempts(username=login_key(request, {"username": user.get_username()}))


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

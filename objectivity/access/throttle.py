"""Login throttling: too many failures for a username or an address block further tries for a while."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from objectivity.access.models import LoginFailure


def client_ip(request) -> str | None:
    """The client's address; behind a reverse proxy, from the header it sets (CLIENT_IP_HEADER)."""
    header = settings.CLIENT_IP_HEADER
    if header and request.META.get(header):
        # X-Forwarded-For may list several hops; the proxy appends the client it saw last.
        return request.META[header].split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def is_blocked(username: str, ip: str | None) -> bool:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    recent = LoginFailure.objects.filter(at__gte=since)
    by_user = recent.filter(username__iexact=username).count()
    by_ip = recent.filter(ip=ip).count() if ip else 0
    # An address may try several accounts (a shared school computer), but not endlessly.
    return by_user >= settings.LOGIN_FAILURE_LIMIT or by_ip >= settings.LOGIN_FAILURE_LIMIT * 4


def note_failure(username: str, ip: str | None) -> None:
    LoginFailure.objects.create(username=username[:150], ip=ip)
    horizon = timezone.now() - timedelta(days=1)
    LoginFailure.objects.filter(Q(at__lt=horizon)).delete()


def forget_failures(username: str) -> None:
    LoginFailure.objects.filter(username__iexact=username).delete()
